#include "wsic/model/windows.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace wsic::model {

void RateProfile::build(double from, const std::vector<Window>& windows, std::uint64_t mask, std::size_t fold_up_to) {
  from_ = from;
  relevant_.clear();
  segments_.clear();
  for (const Window& w : windows) {
    if ((w.targets & mask) != 0 && w.end > from) relevant_.push_back(w);
  }
  lazy_ = relevant_.size() <= fold_up_to;
  if (!lazy_) build_by_sweep(from);
}

double RateProfile::fold_at(double t, double& next) const {
  // Without branches on the windows' times (they go every way): a window
  // not open at t multiplies by 1, which is exact, so the product is that
  // of the open ones in the order they were opened, as ever.
  double f = 1.0;
  double n = kNever;
  for (const Window& w : relevant_) {
    const bool ahead = w.start > t;
    const bool open = !ahead && w.end > t;
    f *= open ? w.factor : 1.0;
    const double boundary = ahead ? w.start : (open ? w.end : kNever);
    n = boundary < n ? boundary : n;
  }
  next = n;
  return f;
}

const std::vector<RateProfile::Segment>& RateProfile::segments() {
  if (lazy_ && segments_.empty()) {
    double next = 0.0;
    for (double t = from_;; t = next) {
      segments_.push_back({t, fold_at(t, next)});
      if (next == kNever) break;
    }
  }
  return segments_;
}

void RateProfile::build_by_sweep(double from) {
  bounds_.clear();
  for (const Window& w : relevant_) {
    if (w.start > from) bounds_.push_back(w.start);
    if (std::isfinite(w.end)) bounds_.push_back(w.end);
  }
  std::sort(bounds_.begin(), bounds_.end());
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  segments_.reserve(bounds_.size() + 1);
  // A product tree over the windows (leaf i is window i's factor while it is
  // open, 1 otherwise): each opening or closing updates one path.
  const std::size_t leaves = std::bit_ceil(relevant_.size());
  tree_.assign(2 * leaves, 1.0);
  const auto set = [&](std::size_t i, double v) {
    std::size_t at = leaves + i;
    tree_[at] = v;
    for (at /= 2; at >= 1; at /= 2) tree_[at] = tree_[2 * at] * tree_[2 * at + 1];
  };
  events_.clear();
  for (std::size_t i = 0; i < relevant_.size(); ++i) {
    const Window& w = relevant_[i];
    if (w.start <= from) {
      set(i, w.factor);
    } else {
      events_.push_back({w.start, 0, i});
    }
    if (std::isfinite(w.end)) events_.push_back({w.end, 1, i});
  }
  std::sort(events_.begin(), events_.end(), [](const Event& a, const Event& b) {
    return a.time != b.time ? a.time < b.time : (a.kind != b.kind ? a.kind < b.kind : a.window < b.window);
  });
  segments_.push_back({from, tree_[1]});
  std::size_t e = 0;
  for (const double b : bounds_) {
    for (; e < events_.size() && events_[e].time <= b; ++e) {
      set(events_[e].window, events_[e].kind == 0 ? relevant_[events_[e].window].factor : 1.0);
    }
    segments_.push_back({b, tree_[1]});
  }
}

double RateProfile::segment(std::size_t i, double t, double& next) const {
  if (lazy_) return fold_at(t, next);
  next = i + 1 < segments_.size() ? segments_[i + 1].from : kNever;
  return segments_[i].factor;
}

double RateProfile::finish(double work, double rate) const {
  double t = from_;
  for (std::size_t i = 0;; ++i) {
    if (work <= 0.0) return t;
    double next = kNever;
    const double r = rate * segment(i, t, next);
    if (r > 0.0) {
      const double done_at = t + work / r;
      if (done_at <= next) return done_at;
      work -= (next - t) * r;
    } else if (next == kNever) {
      return kNever;
    }
    t = next;
  }
}

double RateProfile::progress(double until, double rate) const {
  double done = 0.0;
  double t = from_;
  for (std::size_t i = 0; t < until; ++i) {
    double next = kNever;
    const double r = rate * segment(i, t, next);
    const double to = std::min(next, until);
    done += (to - t) * r;
    t = to;
  }
  return done;
}

}  // namespace wsic::model
