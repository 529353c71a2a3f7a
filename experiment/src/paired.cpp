#include "wsic/experiment/paired.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "wsic/model/model.hpp"
#include "wsic/sim/error.hpp"
#include "wsic/sim/quantile.hpp"
#include "wsic/sim/serial.hpp"

namespace wsic::experiment {

namespace {
using model::kNever;

double share(std::uint64_t k, std::uint64_t n) { return n ? static_cast<double>(k) / static_cast<double>(n) : 0.0; }
}  // namespace

PairedDifferences::PairedDifferences(std::size_t series, int horizon_days)
    : offset_(horizon_days + 1),
      counts_(series, std::vector<std::uint64_t>(2 * static_cast<std::size_t>(horizon_days + 1) + 1, 0)),
      earlier_(series, 0),
      later_(series, 0),
      both_(series, 0),
      sum_(series, 0.0),
      sum_sq_(series, 0.0) {}

void PairedDifferences::add(std::size_t i, double base_day, double whatif_day) {
  // Go-live dates, not instants: both are taken to their calendar day, as
  // every reported date is, so a shift is a whole number of days and the
  // same date is neither earlier nor later (sub-day rounding noise, such as
  // two calendars with different day 0, never counts as a difference).
  const double after = static_cast<double>(offset_);  // the day after the horizon
  const double b = base_day == kNever ? after : std::floor(base_day);
  const double w = whatif_day == kNever ? after : std::floor(whatif_day);
  const double d = w - b;
  const auto idx = static_cast<std::ptrdiff_t>(d) + offset_;
  // Days outside [0, horizon] would be counted at the wrong shift: callers
  // put every scenario on one time axis first.
  WSIC_ASSERT(b >= 0.0 && b <= after && w >= 0.0 && w <= after, "paired days outside the common time axis");
  ++counts_[i][static_cast<std::size_t>(idx)];
  if (w < b) ++earlier_[i];
  if (w > b) ++later_[i];
  if (base_day != kNever && whatif_day != kNever) {
    ++both_[i];
    sum_[i] += d;
    sum_sq_[i] += d * d;
  }
}

void PairedDifferences::merge(const PairedDifferences& o) {
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    for (std::size_t k = 0; k < counts_[i].size(); ++k) counts_[i][k] += o.counts_[i][k];
    earlier_[i] += o.earlier_[i];
    later_[i] += o.later_[i];
    both_[i] += o.both_[i];
    sum_[i] += o.sum_[i];
    sum_sq_[i] += o.sum_sq_[i];
  }
}

PairedDifferences::Summary PairedDifferences::summary(std::size_t i) const {
  Summary s;
  const auto& c = counts_[i];
  for (std::uint64_t x : c) s.pairs += x;
  s.both_live = both_[i];
  if (s.pairs == 0) return s;
  auto order_stat = [&](std::uint64_t k) {
    std::uint64_t seen = 0;
    for (std::size_t j = 0; j < c.size(); ++j) {
      seen += c[j];
      if (seen >= k) return static_cast<double>(static_cast<std::ptrdiff_t>(j) - offset_);
    }
    return static_cast<double>(static_cast<std::ptrdiff_t>(c.size()) - 1 - offset_);
  };
  auto q = [&](double p) {
    return order_stat(
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(s.pairs) - 1e-9))));
  };
  s.p10 = q(0.1);
  s.p50 = q(0.5);
  s.p90 = q(0.9);
  const auto r = sim::quantile_rank_interval(s.pairs, 0.5, 0.95);
  s.p50_ci_low = order_stat(r.lower);
  s.p50_ci_high = order_stat(r.upper);
  if (s.both_live > 0) {
    const double nb = static_cast<double>(s.both_live);
    s.mean = sum_[i] / nb;
    const double var = s.both_live > 1 ? std::max(0.0, (sum_sq_[i] - nb * s.mean * s.mean) / (nb - 1.0)) : 0.0;
    const double se = std::sqrt(var / nb);
    s.mean_ci_low = s.mean - 1.96 * se;
    s.mean_ci_high = s.mean + 1.96 * se;
  }
  s.probability_earlier = share(earlier_[i], s.pairs);
  s.probability_later = share(later_[i], s.pairs);
  return s;
}

namespace {
constexpr std::string_view kTag = "PDIF";
constexpr std::uint32_t kVersion = 1;

template <class T>
void put_all(sim::ByteWriter& w, const std::vector<T>& v) {
  w.write_u64(v.size());
  for (const T x : v) {
    if constexpr (std::is_same_v<T, double>) {
      w.write_f64(x);
    } else {
      w.write_u64(x);
    }
  }
}
template <class T>
std::vector<T> get_all(sim::ByteReader& r) {
  std::vector<T> v(r.read_length(8));
  for (T& x : v) {
    if constexpr (std::is_same_v<T, double>) {
      x = r.read_f64();
    } else {
      x = r.read_u64();
    }
  }
  return v;
}
}  // namespace

std::uint64_t PairedDifferences::pairs() const noexcept {
  std::uint64_t n = 0;
  if (!counts_.empty()) {
    for (const std::uint64_t x : counts_.front()) n += x;
  }
  return n;
}

std::string PairedDifferences::save() const {
  sim::ByteWriter w;
  w.write_header(kTag, kVersion);
  w.write_i64(offset_);
  w.write_u64(counts_.size());
  for (const auto& c : counts_) put_all(w, c);
  put_all(w, earlier_);
  put_all(w, later_);
  put_all(w, both_);
  put_all(w, sum_);
  put_all(w, sum_sq_);
  return w.release();
}

PairedDifferences PairedDifferences::load(std::string_view bytes) {
  sim::ByteReader r(bytes);
  r.read_header(kTag, kVersion);
  PairedDifferences d;
  const std::int64_t offset = r.read_i64();
  if (offset < 1 || offset > (std::int64_t{1} << 30)) throw sim::SerialError("paired differences: bad horizon");
  d.offset_ = static_cast<int>(offset);
  const std::uint64_t n = r.read_length(8);
  const std::size_t width = 2 * static_cast<std::size_t>(d.offset_) + 1;
  for (std::uint64_t i = 0; i < n; ++i) {
    d.counts_.push_back(get_all<std::uint64_t>(r));
    if (d.counts_.back().size() != width) throw sim::SerialError("paired differences: counts of the wrong length");
  }
  d.earlier_ = get_all<std::uint64_t>(r);
  d.later_ = get_all<std::uint64_t>(r);
  d.both_ = get_all<std::uint64_t>(r);
  d.sum_ = get_all<double>(r);
  d.sum_sq_ = get_all<double>(r);
  for (const auto* v : {&d.earlier_, &d.later_, &d.both_}) {
    if (v->size() != n) throw sim::SerialError("paired differences: series of different lengths");
  }
  if (d.sum_.size() != n || d.sum_sq_.size() != n)
    throw sim::SerialError("paired differences: series of different lengths");
  r.expect_end();
  return d;
}

}  // namespace wsic::experiment
