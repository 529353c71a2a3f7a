#include "wsic/cli/files.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "support.hpp"

namespace fs = std::filesystem;

TEST_CASE("Files.TemporaryNamesAreOnlyThoseOfAtomicWrites", "[cli][files]") {
  CHECK(wsic::cli::is_temporary_name(".summary.json.tmp-Ab12Cd"));
  CHECK(wsic::cli::is_temporary_name(".write-check.tmp-000000"));
  CHECK_FALSE(wsic::cli::is_temporary_name("summary.json"));
  CHECK_FALSE(wsic::cli::is_temporary_name(".per_replication.csv.partial"));
  CHECK_FALSE(wsic::cli::is_temporary_name("notes.tmp-Ab12Cd"));  // not hidden: not ours
  CHECK_FALSE(wsic::cli::is_temporary_name(".x.tmp-short"));
}

TEST_CASE("Files.AppendFileKeepsTheChecksumOfItsPrefix", "[cli][files]") {
  const fs::path p = wsic::test::fresh_dir("append.txt");
  wsic::experiment::Prefix at_two;
  {
    wsic::cli::AppendFile f(p, true);
    f.write("one\n");
    f.write("two\n");
    at_two = {f.bytes(), f.hash()};
    f.write("three\n");
    f.close();
  }
  CHECK(at_two.bytes == 8);
  CHECK(wsic::cli::file_prefix_matches(p, at_two));
  CHECK_FALSE(wsic::cli::file_prefix_matches(p, {at_two.bytes, at_two.hash ^ 1}));
  CHECK_FALSE(wsic::cli::file_prefix_matches(p, {100, at_two.hash}));  // longer than the file
  {
    // Cut back to the prefix and continued: the same bytes as writing them anew.
    wsic::cli::AppendFile f(p, false);
    f.truncate(at_two.bytes, at_two.hash);
    f.write("four\n");
    const auto continued = f.hash();
    f.close();
    wsic::cli::AppendFile g(wsic::test::fresh_dir("append2.txt"), true);
    g.write("one\ntwo\nfour\n");
    CHECK(g.hash() == continued);
    g.close();
    fs::remove(g.path());
  }
  CHECK(wsic::test::slurp(p) == "one\ntwo\nfour\n");
  fs::remove(p);
}
