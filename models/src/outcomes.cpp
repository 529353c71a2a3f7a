#include "wsic/model/outcomes.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "wsic/sim/error.hpp"
#include "wsic/sim/serial.hpp"

namespace wsic::model {

namespace {
using sim::ByteReader;
using sim::ByteWriter;

void put_u64s(ByteWriter& w, std::span<const std::uint64_t> v) {
  w.write_u64(v.size());
  for (std::uint64_t x : v) w.write_u64(x);
}
std::vector<std::uint64_t> get_u64s(ByteReader& r) {
  std::vector<std::uint64_t> v(r.read_length(8));
  for (auto& x : v) x = r.read_u64();
  return v;
}
void put_f64s(ByteWriter& w, const std::vector<double>& v) {
  w.write_u64(v.size());
  for (double x : v) w.write_f64(x);
}
std::vector<double> get_f64s(ByteReader& r) {
  std::vector<double> v(r.read_length(8));
  for (auto& x : v) x = r.read_f64();
  return v;
}
void add_into(std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  WSIC_ASSERT(a.size() == b.size(), "merging outcomes of different shapes");
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
}
void add_into(std::vector<double>& a, const std::vector<double>& b) {
  WSIC_ASSERT(a.size() == b.size(), "merging outcomes of different shapes");
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
}
constexpr std::string_view kTag = "WSCO";  // wsic outcomes
constexpr std::uint32_t kVersion = 4;
}  // namespace

void DayCounts::make_room() {
  const std::size_t want = std::max<std::size_t>(64, 2 * recorded_.capacity());
  if (want > list_limit()) {
    to_array();
  } else {
    recorded_.reserve(want);
  }
}

void DayCounts::to_array() {
  if (!counts_.empty() || days_ == 0) return;
  counts_.assign(days_, 0);
  for (const std::uint32_t d : recorded_) ++counts_[d];
  recorded_ = {};
}

std::span<const std::uint64_t> DayCounts::by_day(std::vector<std::uint64_t>& scratch) const {
  if (counts_.size() == days_) return counts_;
  scratch.assign(days_, 0);
  for (const std::uint32_t d : recorded_) ++scratch[d];
  return scratch;
}

std::vector<std::uint64_t> DayCounts::counts() const {
  std::vector<std::uint64_t> scratch;
  const auto c = by_day(scratch);
  return {c.begin(), c.end()};
}

void DayCounts::merge(const DayCounts& other) {
  WSIC_ASSERT(days_ == other.days_, "merging outcomes of different shapes");
  never_ += other.never_;
  if (!other.counts_.empty()) {
    to_array();
    add_into(counts_, other.counts_);
    return;
  }
  if (counts_.empty() && recorded_.size() + other.recorded_.size() <= list_limit()) {
    recorded_.insert(recorded_.end(), other.recorded_.begin(), other.recorded_.end());
    return;
  }
  to_array();
  for (const std::uint32_t d : other.recorded_) ++counts_[d];
}

std::uint64_t DayCounts::total() const noexcept {
  std::uint64_t n = never_ + recorded_.size();
  for (std::uint64_t c : counts_) n += c;
  return n;
}

std::optional<int> DayCounts::quantile(double p) const {
  const std::uint64_t n = total();
  if (n == 0) return std::nullopt;
  // The smallest day whose cumulative count reaches ceil(p * n) (at least one).
  const auto need =
      std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(n) - 1e-9)));
  std::vector<std::uint64_t> scratch;
  const auto counts = by_day(scratch);
  std::uint64_t seen = 0;
  for (std::size_t d = 0; d < counts.size(); ++d) {
    seen += counts[d];
    if (seen >= need) return static_cast<int>(d);
  }
  return std::nullopt;
}

std::optional<int> DayCounts::order_statistic(std::uint64_t k) const {
  std::vector<std::uint64_t> scratch;
  const auto counts = by_day(scratch);
  std::uint64_t seen = 0;
  for (std::size_t d = 0; d < counts.size(); ++d) {
    seen += counts[d];
    if (seen >= k) return static_cast<int>(d);
  }
  return std::nullopt;
}

double DayCounts::share_by(double day) const {
  const std::uint64_t n = total();
  if (n == 0) return 0.0;
  std::vector<std::uint64_t> scratch;
  const auto counts = by_day(scratch);
  std::uint64_t seen = 0;
  for (std::size_t d = 0; d < counts.size() && static_cast<double>(d) <= day; ++d) seen += counts[d];
  return static_cast<double>(seen) / static_cast<double>(n);
}

std::vector<double> DayCounts::shares_by(const std::vector<double>& days) const {
  const std::uint64_t n = total();
  if (n == 0) return std::vector<double>(days.size(), 0.0);
  std::vector<std::uint64_t> scratch;
  const auto counts = by_day(scratch);
  std::vector<double> out;
  out.reserve(days.size());
  std::uint64_t seen = 0;
  std::size_t d = 0;
  double last = -std::numeric_limits<double>::infinity();
  for (const double day : days) {
    if (!(day >= last)) {  // out of order: count again from the start
      seen = 0;
      d = 0;
    }
    last = day;
    for (; d < counts.size() && static_cast<double>(d) <= day; ++d) seen += counts[d];
    out.push_back(static_cast<double>(seen) / static_cast<double>(n));
  }
  return out;
}

double DayCounts::mean_day() const {
  std::vector<std::uint64_t> scratch;
  const auto counts = by_day(scratch);
  double sum = 0.0;
  std::uint64_t n = 0;
  for (std::size_t d = 0; d < counts.size(); ++d) {
    sum += static_cast<double>(d) * static_cast<double>(counts[d]);
    n += counts[d];
  }
  return n > 0 ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
}

void DayCounts::save(sim::ByteWriter& w) const {
  std::vector<std::uint64_t> scratch;
  const auto counts = by_day(scratch);
  put_u64s(w, counts);
  w.write_u64(never_);
}

DayCounts DayCounts::load(sim::ByteReader& r) {
  DayCounts d;
  d.counts_ = get_u64s(r);
  d.days_ = d.counts_.size();
  d.never_ = r.read_u64();
  return d;
}

Outcomes::Outcomes(const Scenario& sc, bool resampled) {
  const auto days = static_cast<std::size_t>(sc.horizon_day) + 1;
  if (resampled) resamples = Resamples(days);
  const std::size_t ns = sc.schemes.size();
  codesign_end = DayCounts(days);
  design_end.assign(ns, DayCounts(days));
  go_live.assign(ns, DayCounts(days));
  full_coverage.assign(ns, DayCounts(days));
  full_model.assign(ns, DayCounts(days));
  all_full_model = DayCounts(days);
  for (const Scheme& s : sc.schemes) {
    double first = 0, later = 0;
    for (std::size_t g = 0; g < s.populations.size(); ++g)
      (g == 0 ? first : later) += static_cast<double>(std::max<std::int64_t>(0, s.populations[g].size));
    first_group_.push_back(first);
    later_groups_.push_back(later);
  }
  first_live = DayCounts(days);
  all_live = DayCounts(days);
  majority_live = DayCounts(days);
  all_full_coverage = DayCounts(days);
  for (const Milestone& m : sc.milestones) milestone_days_.push_back(m.day);
  const sim::Calendar cal(sc.calendar_start);
  using namespace std::chrono;
  for (year_month ym = year_month(sc.calendar_start.year(), sc.calendar_start.month());; ym += months(1)) {
    const double day = cal.to_time(ym / 1).in_days();
    if (day > sc.horizon_day) break;
    if (day >= 0.0) month_days.push_back(day);
  }
  month_width_ = ns + 1;
  month_steps_.assign((month_days.size() + 1) * month_width_, 0);
  people_by_month.assign(month_days.size(), 0.0);
  live_count_at.assign(sc.milestones.size(), std::vector<std::uint64_t>(ns + 1, 0));
  scheme_live_at.assign(sc.milestones.size(), std::vector<std::uint64_t>(ns, 0));
  critical.assign(ns, std::vector<std::uint64_t>(sc.workstreams.size(), 0));
  barrier_hits.assign(sc.barriers.size(), 0);
  spend_columns = spend_categories(sc).size();
  spend.assign(spend_rows(sc) * spend_columns, 0.0);
}

void Outcomes::add(const ReplicationOutcome& r) {
  ++replications;
  codesign_end.add(r.codesign_end);
  const std::size_t ns = r.schemes.size();
  for (std::size_t s = 0; s < ns; ++s) {
    const SchemeOutcome& so = r.schemes[s];
    design_end[s].add(so.design_end);
    go_live[s].add(so.go_live);
    full_coverage[s].add(so.full_coverage);
    full_model[s].add(so.full_model);
    for (std::uint64_t bits = so.critical; bits != 0; bits &= bits - 1) {
      const auto w = static_cast<std::size_t>(std::countr_zero(bits));
      if (w < critical[s].size()) ++critical[s][w];
    }
  }
  // The go-live days in order (a handful of schemes: insertion sort). The
  // first, the last and the k-th of them, k a strict majority, are the
  // programme's milestones, whatever the number or order of the schemes.
  scratch_.resize(ns);
  double last_full = -kNever, last_model = -kNever;
  for (std::size_t s = 0; s < ns; ++s) {
    const double g = r.schemes[s].go_live;
    std::size_t i = s;
    for (; i > 0 && scratch_[i - 1] > g; --i) scratch_[i] = scratch_[i - 1];
    scratch_[i] = g;
    last_full = std::max(last_full, r.schemes[s].full_coverage);
    last_model = std::max(last_model, r.schemes[s].full_model);
  }
  all_full_model.add(ns > 0 ? last_model : -kNever);
  first_live.add(ns > 0 ? scratch_.front() : kNever);
  all_live.add(ns > 0 ? scratch_.back() : -kNever);
  majority_live.add(ns > 0 ? scratch_[ns / 2] : kNever);
  all_full_coverage.add(last_full);
  live_days_.resize(ns);
  for (std::size_t s = 0; s < ns; ++s) live_days_[s] = std::floor(r.schemes[s].go_live);
  for (std::size_t m = 0; m < milestone_days_.size(); ++m) {
    std::size_t live = 0;
    for (std::size_t s = 0; s < ns; ++s) {
      // Live at a milestone: went live on or before that calendar day.
      if (live_days_[s] <= milestone_days_[m]) {
        ++live;
        ++scheme_live_at[m][s];
      }
    }
    ++live_count_at[m][live];
  }
  // As at a milestone: live on the first of the month if live at any time
  // that day. Both lists are in order, so one walk counts every month.
  sorted_days_.resize(ns);
  for (std::size_t s = 0; s < ns; ++s) sorted_days_[s] = std::floor(scratch_[s]);
  // The months with exactly k live run from the first on or after the k-th
  // go-live to the first on or after the next.
  const std::size_t months = month_days.size();
  std::size_t from = 0;
  for (std::size_t k = 0; k <= ns; ++k) {
    std::size_t to = months;
    if (k < ns) {
      to = from;
      while (to < months && month_days[to] < sorted_days_[k]) ++to;
    }
    if (to > from) {
      ++month_steps_[from * month_width_ + k];
      --month_steps_[to * month_width_ + k];
    }
    from = to;
  }
  for (std::size_t b = 0; b < barrier_hits.size(); ++b) barrier_hits[b] += r.barrier_hits[b];
  for (std::size_t i = 0; i < spend.size(); ++i) spend[i] += r.spend[i];
  add_people(r);
}

void Outcomes::add_people(const ReplicationOutcome& r) {
  const std::size_t ns = r.schemes.size();
  // People covered: a scheme's first group enrolled over its ramp from the
  // pilot, the other groups over the ramp from the full model.
  const auto enrolled = [](double day, double from, double ramp) {
    if (!(from <= day)) return 0.0;  // not started (or never)
    return ramp > 0.0 ? std::min(1.0, (day - from) / ramp) : 1.0;
  };
  // Scheme by scheme, in scheme order, as one sum per month would add them
  // (so the same sums, bit for bit): a scheme adds nothing before its first
  // enrolment, its formula while a group is enrolling, and, a day after the
  // last ramp it started has ended, the same number every month.
  const std::size_t months = month_days.size();
  const std::size_t groups = std::min(ns, first_group_.size());
  people_.assign(months, 0.0);
  std::size_t first_month = months;
  for (std::size_t s = 0; s < groups; ++s) {
    const SchemeOutcome& so = r.schemes[s];
    const double first = first_group_[s], later = later_groups_[s];
    double from = kNever, until = -kNever;
    const auto extend = [&](double weight, double start) {
      if (!(weight > 0.0) || start == kNever) return;  // adds nothing, ever
      from = std::min(from, start);
      until = std::max(until, start + std::max(so.ramp, 0.0));
    };
    extend(first, so.go_live);
    extend(later, so.full_model);
    if (from == kNever) continue;
    auto m =
        static_cast<std::size_t>(std::lower_bound(month_days.begin(), month_days.end(), from) - month_days.begin());
    first_month = std::min(first_month, m);
    const auto covered = [&](double day) {
      return first * enrolled(day, so.go_live, so.ramp) + later * enrolled(day, so.full_model, so.ramp);
    };
    std::size_t end = m;
    while (end < months && month_days[end] < until + 1.0) ++end;
#if defined(__SSE2__)
    if (so.ramp > 0.0) {
      // enrolled() as a clamp, a share below 0 (not started, or never) being
      // 0 and above 1 being 1: the same values, without branches, two months
      // at a time (min and max pick as std::min(1.0, x) and std::max(0.0, x)
      // do); covered() takes an odd month left over.
      const __m128d vg = _mm_set1_pd(so.go_live), vf = _mm_set1_pd(so.full_model), vramp = _mm_set1_pd(so.ramp);
      const __m128d zero = _mm_setzero_pd(), one = _mm_set1_pd(1.0);
      const __m128d vfirst = _mm_set1_pd(first), vlater = _mm_set1_pd(later);
      for (; m + 2 <= end; m += 2) {
        const __m128d day = _mm_loadu_pd(&month_days[m]);
        const __m128d e1 = _mm_min_pd(_mm_max_pd(_mm_div_pd(_mm_sub_pd(day, vg), vramp), zero), one);
        const __m128d e2 = _mm_min_pd(_mm_max_pd(_mm_div_pd(_mm_sub_pd(day, vf), vramp), zero), one);
        const __m128d add = _mm_add_pd(_mm_mul_pd(vfirst, e1), _mm_mul_pd(vlater, e2));
        _mm_storeu_pd(&people_[m], _mm_add_pd(_mm_loadu_pd(&people_[m]), add));
      }
    }
#endif
    for (; m < end; ++m) people_[m] += covered(month_days[m]);
    if (m < months) {
      const double settled = covered(month_days[m]);
      for (; m < months; ++m) people_[m] += settled;
    }
  }
  for (std::size_t m = first_month; m < months; ++m) people_by_month[m] += people_[m];
}

double Outcomes::population() const noexcept {
  double p = 0.0;
  for (std::size_t s = 0; s < first_group_.size(); ++s) p += first_group_[s] + later_groups_[s];
  return p;
}

void Outcomes::add(const ReplicationOutcome& r, std::uint64_t index) {
  add(r);
  if (resamples.on()) {
    const bool any = !r.schemes.empty();
    resamples.add(index, any ? scratch_.front() : kNever, any ? scratch_.back() : -kNever);
  }
}

void Outcomes::merge(const Outcomes& o) {
  replications += o.replications;
  resamples.merge(o.resamples);
  codesign_end.merge(o.codesign_end);
  for (std::size_t s = 0; s < go_live.size(); ++s) {
    design_end[s].merge(o.design_end[s]);
    go_live[s].merge(o.go_live[s]);
    full_coverage[s].merge(o.full_coverage[s]);
    full_model[s].merge(o.full_model[s]);
    add_into(critical[s], o.critical[s]);
  }
  first_live.merge(o.first_live);
  all_live.merge(o.all_live);
  majority_live.merge(o.majority_live);
  all_full_coverage.merge(o.all_full_coverage);
  all_full_model.merge(o.all_full_model);
  add_into(people_by_month, o.people_by_month);
  for (std::size_t m = 0; m < live_count_at.size(); ++m) {
    add_into(live_count_at[m], o.live_count_at[m]);
    add_into(scheme_live_at[m], o.scheme_live_at[m]);
  }
  add_into(month_steps_, o.month_steps_);
  add_into(barrier_hits, o.barrier_hits);
  add_into(spend, o.spend);
}

std::string Outcomes::save() const {
  ByteWriter w;
  w.write_header(kTag, kVersion);
  w.write_u64(replications);
  codesign_end.save(w);
  w.write_u64(go_live.size());
  for (std::size_t s = 0; s < go_live.size(); ++s) {
    design_end[s].save(w);
    go_live[s].save(w);
    full_coverage[s].save(w);
    full_model[s].save(w);
    put_u64s(w, critical[s]);
  }
  first_live.save(w);
  all_live.save(w);
  majority_live.save(w);
  all_full_coverage.save(w);
  all_full_model.save(w);
  put_f64s(w, first_group_);
  put_f64s(w, later_groups_);
  put_f64s(w, people_by_month);
  put_f64s(w, milestone_days_);
  for (std::size_t m = 0; m < live_count_at.size(); ++m) {
    put_u64s(w, live_count_at[m]);
    put_u64s(w, scheme_live_at[m]);
  }
  put_f64s(w, month_days);
  for (const auto& row : live_count_by_month()) put_u64s(w, row);
  put_u64s(w, barrier_hits);
  w.write_u64(spend_columns);
  put_f64s(w, spend);
  resamples.save(w);
  return w.release();
}

namespace {
template <class T>
bool same_sizes(const std::vector<std::vector<T>>& a, const std::vector<std::vector<T>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
  }
  return true;
}
bool same_days(const std::vector<DayCounts>& a, const std::vector<DayCounts>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].days() != b[i].days()) return false;
  }
  return true;
}
template <class T>
std::size_t bytes_of(const std::vector<std::vector<T>>& v) {
  std::size_t n = 0;
  for (const auto& row : v) n += row.size() * sizeof(T);
  return n;
}
}  // namespace

std::vector<std::vector<std::uint64_t>> Outcomes::live_count_by_month() const {
  std::vector<std::vector<std::uint64_t>> rows;
  rows.reserve(month_days.size());
  std::vector<std::uint64_t> row(month_width_, 0);
  for (std::size_t m = 0; m < month_days.size(); ++m) {
    for (std::size_t k = 0; k < month_width_; ++k) row[k] += month_steps_[m * month_width_ + k];
    rows.push_back(row);
  }
  return rows;
}

bool Outcomes::same_shape(const Outcomes& o) const {
  const std::vector<DayCounts> mine = {codesign_end,  first_live,        all_live,
                                       majority_live, all_full_coverage, all_full_model};
  const std::vector<DayCounts> theirs = {o.codesign_end,  o.first_live,        o.all_live,
                                         o.majority_live, o.all_full_coverage, o.all_full_model};
  return same_days(mine, theirs) && same_days(design_end, o.design_end) && same_days(go_live, o.go_live) &&
         same_days(full_coverage, o.full_coverage) && same_days(full_model, o.full_model) &&
         first_group_ == o.first_group_ && later_groups_ == o.later_groups_ &&
         people_by_month.size() == o.people_by_month.size() && same_sizes(live_count_at, o.live_count_at) &&
         month_width_ == o.month_width_ && month_steps_.size() == o.month_steps_.size() &&
         same_sizes(scheme_live_at, o.scheme_live_at) && same_sizes(critical, o.critical) &&
         barrier_hits.size() == o.barrier_hits.size() && spend.size() == o.spend.size() &&
         spend_columns == o.spend_columns && milestone_days_ == o.milestone_days_ && month_days == o.month_days &&
         resamples.same_shape(o.resamples);
}

std::size_t Outcomes::memory_bytes() const {
  const std::size_t days = (6 + 4 * go_live.size()) * codesign_end.days() * sizeof(std::uint64_t);
  return sizeof(Outcomes) + days + bytes_of(live_count_at) + month_steps_.size() * sizeof(std::uint64_t) +
         bytes_of(scheme_live_at) + bytes_of(critical) +
         (barrier_hits.size() + spend.size() + people_by_month.size() + 2 * first_group_.size() +
          milestone_days_.size() + month_days.size()) *
             8 +
         resamples.memory_bytes();
}

Outcomes Outcomes::load(std::string_view bytes) {
  ByteReader r(bytes);
  r.read_header(kTag, kVersion);
  Outcomes o;
  o.replications = r.read_u64();
  o.codesign_end = DayCounts::load(r);
  const std::uint64_t ns = r.read_length(8 * 4);
  for (std::uint64_t s = 0; s < ns; ++s) {
    o.design_end.push_back(DayCounts::load(r));
    o.go_live.push_back(DayCounts::load(r));
    o.full_coverage.push_back(DayCounts::load(r));
    o.full_model.push_back(DayCounts::load(r));
    o.critical.push_back(get_u64s(r));
  }
  o.first_live = DayCounts::load(r);
  o.all_live = DayCounts::load(r);
  o.majority_live = DayCounts::load(r);
  o.all_full_coverage = DayCounts::load(r);
  o.all_full_model = DayCounts::load(r);
  o.first_group_ = get_f64s(r);
  o.later_groups_ = get_f64s(r);
  o.people_by_month = get_f64s(r);
  o.milestone_days_ = get_f64s(r);
  for (std::size_t m = 0; m < o.milestone_days_.size(); ++m) {
    o.live_count_at.push_back(get_u64s(r));
    o.scheme_live_at.push_back(get_u64s(r));
  }
  o.month_days = get_f64s(r);
  o.month_width_ = o.go_live.size() + 1;
  o.month_steps_.assign((o.month_days.size() + 1) * o.month_width_, 0);
  std::vector<std::uint64_t> before(o.month_width_, 0);
  for (std::size_t m = 0; m < o.month_days.size(); ++m) {
    std::vector<std::uint64_t> row = get_u64s(r);
    if (row.size() != o.month_width_) throw sim::SerialError("outcomes: a month's live counts of another width");
    for (std::size_t k = 0; k < row.size(); ++k) o.month_steps_[m * o.month_width_ + k] = row[k] - before[k];
    before = std::move(row);
  }
  o.barrier_hits = get_u64s(r);
  o.spend_columns = r.read_u64();
  o.spend = get_f64s(r);
  if (o.spend_columns == 0 ? !o.spend.empty() : o.spend.size() % o.spend_columns != 0)
    throw sim::SerialError("outcomes: a spend table that is not whole rows");
  o.resamples = Resamples::load(r);
  if (o.resamples.on() && o.resamples.days() != o.codesign_end.days())
    throw sim::SerialError("outcomes: resamples of another horizon");
  r.expect_end();
  return o;
}

}  // namespace wsic::model
