// The benchmark's yardstick queues (tools/bench/yardsticks.hpp), held to the
// same ordered-set reference as the engine's queue, so `wsic-bench queue`
// compares structures that are all correct.
#include "yardsticks.hpp"

#include <catch2/catch.hpp>

#include "queue_check.hpp"

using wsic::test::check_against_reference;

TEST_CASE("Yardsticks.VectorBucketQueueMatchesOrderedSet", "[bench][queue]") {
  check_against_reference<wsic::bench::VectorBucketQueue>(5);
}

TEST_CASE("Yardsticks.QuaternaryHeapMatchesOrderedSet", "[bench][queue]") {
  check_against_reference<wsic::bench::QuaternaryHeapQueue>(3);
}

TEST_CASE("Yardsticks.BinaryHeapMatchesOrderedSet", "[bench][queue]") {
  check_against_reference<wsic::bench::BinaryHeapQueue>(4);
}
