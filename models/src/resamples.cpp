#include "wsic/model/resamples.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "wsic/sim/error.hpp"

namespace wsic::model {

namespace {
constexpr std::uint32_t kVersion = 1;

/// SplitMix64's output function: a bijective mix of 64 bits.
constexpr std::uint64_t mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// floor(2^16 · P(K <= k)) for K ~ Poisson(1), k = 0..7: a 16-bit draw u
/// gives the weight #{k : u >= cdf[k]}. The probabilities are Poisson(1)'s
/// to within 2^-16 (weights above 8 are lost: P(K > 8) < 2e-6).
constexpr std::array<std::uint16_t, 8> kPoissonCdf = {24109, 48218, 60273, 64291, 65296, 65497, 65530, 65535};

unsigned poisson1(std::uint16_t u) noexcept {
  unsigned k = 0;
  for (const std::uint16_t c : kPoissonCdf) k += u >= c ? 1U : 0U;
  return k;
}

/// A key apart from every other use of the replication index.
constexpr std::uint64_t kKey = 0x7773696372657331ULL;  // "wsicres1"

std::uint32_t day_of(double d, std::size_t days) {
  return d >= 0.0 && d < static_cast<double>(days) ? static_cast<std::uint32_t>(d) : static_cast<std::uint32_t>(days);
}
}  // namespace

Resamples::Resamples(std::size_t days) : days_(days) {
  WSIC_ASSERT(days > 0 && days < (std::size_t{1} << 31), "resampled days out of range");
}

namespace {
/// Every resample's weight of replication `index`, four per 64-bit hash: the
/// same numbers as Resamples::weight, computed a whole row at a time (the
/// comparisons with the CDF run over all the draws at once, without branches).
void weights_of(std::uint64_t index, std::array<std::uint16_t, Resamples::kCount>& w) noexcept {
  static_assert(Resamples::kCount % 4 == 0);
  std::array<std::uint16_t, Resamples::kCount> u;
  const std::uint64_t key = mix(index ^ kKey);
  for (std::size_t j = 0; j < Resamples::kCount / 4; ++j) {
    const std::uint64_t h = mix(key + j);
    for (std::size_t k = 0; k < 4; ++k) u[4 * j + k] = static_cast<std::uint16_t>(h >> (16 * k));
  }
  w.fill(0);
  for (const std::uint16_t c : kPoissonCdf)
    for (std::size_t b = 0; b < Resamples::kCount; ++b) w[b] = static_cast<std::uint16_t>(w[b] + (u[b] >= c ? 1 : 0));
}
}  // namespace

unsigned Resamples::weight(std::uint64_t index, std::size_t b) noexcept {
  const std::uint64_t h = mix(mix(index ^ kKey) + static_cast<std::uint64_t>(b / 4));
  return poisson1(static_cast<std::uint16_t>(h >> (16 * (b % 4))));
}

void Resamples::add(std::uint64_t index, double first_live, double all_live) {
  if (!on()) return;
  pending_.push_back(Pending{index, {day_of(first_live, days_), day_of(all_live, days_)}});
  if (pending_.size() >= pending_limit()) fold();
}

void Resamples::fold() {
  if (pending_.empty()) return;
  if (dense_.empty()) dense_.assign(kSeries * kCount * row(), 0);
  std::array<std::uint16_t, kCount> w{};
  for (const Pending& e : pending_) {
    weights_of(e.index, w);
    // One date's resamples lie side by side: a short run of memory, not one
    // cache line per resample.
    for (std::size_t s = 0; s < kSeries; ++s) {
      std::uint64_t* c = dense_.data() + (s * row() + e.day[s]) * kCount;
      for (std::size_t b = 0; b < kCount; ++b) c[b] += w[b];
    }
  }
  pending_.clear();
  pending_.shrink_to_fit();
}

void Resamples::merge(const Resamples& o) {
  WSIC_ASSERT(same_shape(o), "merging resamples of different horizons");
  if (!on()) return;
  if (!o.dense_.empty()) {
    if (dense_.empty()) dense_.assign(o.dense_.size(), 0);
    for (std::size_t i = 0; i < dense_.size(); ++i) dense_[i] += o.dense_[i];
  }
  pending_.insert(pending_.end(), o.pending_.begin(), o.pending_.end());
  if (pending_.size() >= pending_limit()) fold();
}

std::vector<int> Resamples::quantiles_or_after(Series s, double p) const {
  std::vector<int> out;
  if (!on()) return out;
  Resamples all = *this;
  all.fold();
  if (all.dense_.empty()) return out;  // no replications
  const auto si = static_cast<std::size_t>(s);
  const std::uint64_t* c = all.dense_.data() + si * row() * kCount;  // [day][resample]
  std::vector<std::uint64_t> need(kCount, 0), seen(kCount, 0);
  for (std::size_t d = 0; d < row(); ++d)
    for (std::size_t b = 0; b < kCount; ++b) need[b] += c[d * kCount + b];
  // As DayCounts::quantile: the first day whose cumulative weight reaches
  // ceil(p · total), at least 1; days_ when none does within the horizon.
  for (std::uint64_t& n : need)
    n = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(n) - 1e-9)));
  out.assign(kCount, static_cast<int>(days_));
  std::size_t open = kCount;
  for (std::size_t d = 0; d < days_ && open > 0; ++d) {
    for (std::size_t b = 0; b < kCount; ++b) {
      if (seen[b] >= need[b]) continue;  // found at an earlier day
      seen[b] += c[d * kCount + b];
      if (seen[b] >= need[b]) {
        out[b] = static_cast<int>(d);
        --open;
      }
    }
  }
  return out;
}

void Resamples::save(sim::ByteWriter& w) const {
  w.write_u32(kVersion);
  w.write_u64(days_);
  w.write_u64(pending_.size());
  for (const Pending& e : pending_) {
    w.write_u64(e.index);
    for (const std::uint32_t d : e.day) w.write_u32(d);
  }
  w.write_u64(dense_.size());
  for (const std::uint64_t x : dense_) w.write_u64(x);
}

Resamples Resamples::load(sim::ByteReader& r) {
  if (r.read_u32() != kVersion) throw sim::SerialError("resamples: another format");
  Resamples o;
  const std::uint64_t days = r.read_u64();
  if (days >= (std::uint64_t{1} << 31)) throw sim::SerialError("resamples: bad horizon");
  o.days_ = static_cast<std::size_t>(days);
  const std::uint64_t n = r.read_length(8 + 4 * kSeries);
  if (o.days_ == 0 && n > 0) throw sim::SerialError("resamples: dates recorded while off");
  o.pending_.resize(n);
  for (Pending& e : o.pending_) {
    e.index = r.read_u64();
    for (std::uint32_t& d : e.day) {
      d = r.read_u32();
      if (d > o.days_) throw sim::SerialError("resamples: a day past the horizon");
    }
  }
  const std::uint64_t m = r.read_length(8);
  if (m != 0 && m != kSeries * kCount * o.row()) throw sim::SerialError("resamples: counts of the wrong size");
  o.dense_.resize(m);
  for (std::uint64_t& x : o.dense_) x = r.read_u64();
  return o;
}

Interval paired_interval(const std::vector<int>& base, const std::vector<int>& other, double offset) {
  WSIC_ASSERT(!base.empty() && base.size() == other.size(), "paired resamples of different lengths");
  std::vector<double> d(base.size());
  for (std::size_t b = 0; b < base.size(); ++b) d[b] = static_cast<double>(other[b]) + offset - base[b];
  std::sort(d.begin(), d.end());
  // Order statistics ceil(0.025 n) and ceil(0.975 n), 1-based (5 and 195 of 200).
  const auto n = static_cast<double>(d.size());
  const auto lo = static_cast<std::size_t>(std::max(1.0, std::ceil(0.025 * n - 1e-9))) - 1;
  const auto hi = static_cast<std::size_t>(std::max(1.0, std::ceil(0.975 * n - 1e-9))) - 1;
  return Interval{d[lo], d[hi]};
}

}  // namespace wsic::model
