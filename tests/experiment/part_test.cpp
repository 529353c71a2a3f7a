// Part files: the codec, the checks that refuse a damaged or misshapen part,
// and the accumulators a part carries (saved and loaded exactly).
#include "wsic/experiment/part.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "wsic/experiment/compare.hpp"
#include "wsic/experiment/paired.hpp"
#include "wsic/model/model.hpp"
#include "wsic/scenario/loader.hpp"

using namespace wsic::experiment;

namespace {
Part sample_part() {
  Part p;
  p.job.command = "run";
  p.job.tool_version = "1.2.3";
  p.job.scenarios.push_back({"scenarios/baseline.yaml", "/x/scenarios/baseline.yaml", "00ff"});
  p.job.milestones = {"2015-04-30"};
  p.job.overrides = {"levers.central_share.value=0.3"};
  p.job.seed = 7;
  p.job.replications = 1000;  // 4 blocks of 256
  p.job.block_size = 256;
  p.job.analysis_replications = 300;  // 2 blocks
  p.job.per_replication = true;
  p.job.fingerprint = 0xabcdef;
  p.index = 2;
  p.count = 3;
  // Part 2 of 3 of 4 blocks is block 1 (floor(4/3) = 1 to floor(8/3) = 2);
  // of 2 blocks it is block 0 to 1.
  p.batches.push_back({"main", 1000, {1, 2}, {{1, 1, std::string("main-bytes\0with-nul", 19)}}});
  p.batches.push_back({"without barrier ig", 300, {0, 1}, {{0, 1, "ig-bytes"}}});
  p.wall_seconds = 1.5;
  p.batch_seconds = 1.25;
  p.threads = 2;
  p.host = "node7";
  p.rows = {1234, 0x55};
  return p;
}
}  // namespace

TEST_CASE("Part.EncodedAndDecodedIsTheSamePart", "[experiment][part]") {
  const Part p = sample_part();
  const std::string bytes = encode_part(p);
  REQUIRE(part_header_bytes(bytes) == bytes.size());
  const Part q = decode_part(bytes);
  CHECK(q.job == p.job);
  CHECK(job_difference(q.job, p.job).empty());
  CHECK(q.index == 2);
  CHECK(q.count == 3);
  REQUIRE(q.batches.size() == 2);
  CHECK(q.batches[0].label == "main");
  CHECK(q.batches[0].range == wsic::sim::BlockRange{1, 2});
  CHECK(q.batches[0].nodes[0].bytes == p.batches[0].nodes[0].bytes);
  CHECK(q.batches[1].nodes[0].bytes == "ig-bytes");
  CHECK(q.wall_seconds == 1.5);
  CHECK(q.batch_seconds == 1.25);
  CHECK(q.threads == 2);
  CHECK(q.host == "node7");
  CHECK(q.rows.bytes == 1234);
  CHECK(q.rows.hash == 0x55);
  CHECK_NOTHROW(check_part_shape(q));
}

TEST_CASE("Part.DamagedOrForeignBytesAreRefusedBeforeUse", "[experiment][part]") {
  const std::string bytes = encode_part(sample_part());
  // Every single flipped byte is caught, by the tag, a size or the checksum.
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    CAPTURE(i);
    REQUIRE_THROWS_AS(decode_part(bad), PartError);
  }
  for (std::size_t n : {std::size_t{0}, std::size_t{10}, kPartPreludeBytes, bytes.size() - 1}) {
    REQUIRE_THROWS_AS(decode_part(bytes.substr(0, n)), PartError);
  }
  // A header claiming more than deflate can pack into its size is refused
  // before anything is allocated for it.
  std::string bomb = bytes;
  for (int i = 0; i < 8; ++i) bomb[16 + static_cast<std::size_t>(i)] = static_cast<char>(i == 4 ? 1 : 0);  // 2^32
  REQUIRE_THROWS_WITH(part_header_bytes(bomb), Catch::Contains("impossible size"));
  REQUIRE_THROWS_WITH(decode_part("WSCP\x03\0\0\0 a checkpoint, not a part......"),
                      Catch::Contains("not a wsic part file"));
}

TEST_CASE("Part.ShapeChecksRefuseSharesThatAreNotThePart", "[experiment][part]") {
  auto refused = [](Part p, const char* why) {
    CAPTURE(why);
    REQUIRE_THROWS_AS(check_part_shape(p), PartError);
  };
  Part p = sample_part();
  REQUIRE_NOTHROW(check_part_shape(p));
  p.index = 4;
  refused(p, "part 4 of 3");
  p = sample_part();
  p.batches[0].range = {1, 3};
  p.batches[0].nodes = {{1, 2, "x"}};
  refused(p, "another part's share");
  p = sample_part();
  p.batches[0].nodes.clear();
  refused(p, "share not covered");
  p = sample_part();
  p.batches[0].nodes.push_back({2, 1, "x"});
  refused(p, "past its share");
  p = sample_part();
  p.batches[1].nodes = {{0, 0, "x"}};
  refused(p, "an empty node");
}

TEST_CASE("Part.NamesSortInOrderAndTheCommandLineFormIsChecked", "[experiment][part]") {
  CHECK(part_file_name(7, 120) == "part-007-of-120.wsicpart");
  CHECK(part_file_name(1, 1) == "part-1-of-1.wsicpart");
  CHECK(part_file_name(12, 12) == "part-12-of-12.wsicpart");
  std::uint64_t i = 0, k = 0;
  REQUIRE(parse_part("3/8", i, k));
  CHECK(i == 3);
  CHECK(k == 8);
  REQUIRE(parse_part("1000000/1000000", i, k));
  for (const char* bad : {"0/3", "4/3", "3", "3/", "/3", "-1/3", "1/0", "a/b", "1/3 ", "1/1000001", "2/2/2"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_part(bad, i, k));
  }
}

TEST_CASE("Part.JobDifferenceNamesTheFirstDifference", "[experiment][part]") {
  const JobIdentity a = sample_part().job;
  JobIdentity b = a;
  b.seed = 8;
  CHECK(job_difference(a, b) == "seed 7 vs 8");
  b = a;
  b.scenarios[0].content_hash = "0100";
  CHECK_THAT(job_difference(a, b), Catch::Contains("scenario scenarios/baseline.yaml (00ff)"));
  b = a;
  b.scenarios[0].absolute = "/elsewhere/baseline.yaml";  // where it was found changes no result
  CHECK(job_difference(a, b).empty());
  b = a;
  b.fingerprint = 1;
  CHECK_THAT(job_difference(a, b), Catch::Contains("another build"));
}

TEST_CASE("Part.ComparisonAccumulatorsSaveAndLoadExactly", "[experiment][part]") {
  const wsic::model::Scenario base = wsic::scenario::load_scenario("scenarios/baseline.yaml");
  const wsic::model::Scenario early = wsic::scenario::load_scenario("scenarios/early-national-action.yaml");
  const Comparison cmp({base, early});
  BatchSpec spec;
  spec.seed = 11;
  spec.replications = 300;
  spec.threads = 1;
  const CompareAcc acc = cmp.run(spec);
  const CompareAcc back = CompareAcc::load(acc.save());
  REQUIRE(back.same_shape(cmp.empty()));
  REQUIRE(back.save() == acc.save());
  REQUIRE(back.diffs.front().pairs() == 300);
  const auto s = acc.diffs.front().summary(0);
  const auto t = back.diffs.front().summary(0);
  CHECK(s.p50 == t.p50);
  CHECK(s.mean == t.mean);
  CHECK(s.probability_earlier == t.probability_earlier);
  // Damaged bytes are an error, not a wrong accumulator.
  std::string bad = acc.save();
  bad.resize(bad.size() - 3);
  REQUIRE_THROWS(CompareAcc::load(bad));
  REQUIRE_THROWS(PairedDifferences::load("PDIF"));
}
