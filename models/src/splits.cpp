// Stratified, seeded splits: controlled rounding of strata x parts, then per-stratum shuffles.
#include "brainenc/models/splits.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <utility>

#include "brainenc/io/error.hpp"
#include "brainenc/models/cohort.hpp"

namespace brainenc::models {
namespace {

using Index = Eigen::Index;

// splitmix64's finaliser: independent streams from (seed, repeat, fold).
uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a + 0x9E3779B97F4A7C15ULL * (b + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in [0, n) by rejection (no modulo bias); mt19937_64's output is fixed by the standard.
uint64_t uniform_index(std::mt19937_64& rng, uint64_t n) {
  const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
  uint64_t x = rng();
  while (x < threshold) x = rng();
  return x % n;
}

template <typename T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {  // Fisher-Yates
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_index(rng, i)]);
}

// Strata as lists of ascending subject indices, in a fixed order (label, then site name).
std::vector<std::vector<Index>> strata_of(const SplitInput& in, const std::vector<Index>& members,
                                          bool by_site) {
  std::map<std::pair<int, std::string>, std::vector<Index>> groups;
  for (Index i : members)
    groups[{in.labels[size_t(i)], by_site ? in.sites[size_t(i)] : std::string()}].push_back(i);
  std::vector<std::vector<Index>> out;
  for (auto& [key, v] : groups) out.push_back(std::move(v));
  return out;
}

void check_input(const SplitInput& in) {
  if (in.ids.empty()) throw UsageError("cannot split an empty cohort");
  if (in.labels.size() != in.ids.size() || in.sites.size() != in.ids.size())
    throw UsageError("split input: ids, labels and sites differ in length");
}

void check_fraction(double f, const std::string& name) {
  if (!(f >= 0.0 && f < 1.0))
    throw UsageError(name + " fraction must be in [0, 1) (got " + std::to_string(f) + ")");
}

// Shuffles each stratum and deals its members to the parts by `counts`; indices sorted.
std::vector<std::vector<Index>> deal(std::vector<std::vector<Index>> strata,
                                     const std::vector<std::vector<Index>>& counts,
                                     std::mt19937_64& rng) {
  std::vector<std::vector<Index>> parts(counts.empty() ? 0 : counts.front().size());
  for (size_t s = 0; s < strata.size(); ++s) {
    shuffle(strata[s], rng);
    size_t k = 0;
    for (size_t p = 0; p < parts.size(); ++p)
      for (Index c = 0; c < counts[s][p]; ++c) parts[p].push_back(strata[s][k++]);
  }
  for (auto& p : parts) std::sort(p.begin(), p.end());
  return parts;
}

std::vector<Index> sizes_of(const std::vector<std::vector<Index>>& strata) {
  std::vector<Index> sizes;
  for (const auto& s : strata) sizes.push_back(static_cast<Index>(s.size()));
  return sizes;
}

// Moves a stratified `fraction` of `members` into val; the rest is train.
void carve_validation(const SplitInput& in, const std::vector<Index>& members, double fraction,
                      bool by_site, uint64_t seed, Split& split) {
  const auto strata = strata_of(in, members, by_site);
  std::mt19937_64 rng(seed);
  const auto parts =
      deal(strata, apportion(sizes_of(strata), {1.0 - fraction, fraction}, mix(seed, 1)), rng);
  split.train = parts[0];
  split.val = parts[1];
}

}  // namespace

std::vector<std::vector<Index>> apportion(const std::vector<Index>& sizes,
                                          const std::vector<double>& fractions, uint64_t rng_seed) {
  const size_t S = sizes.size(), P = fractions.size();
  if (P == 0 || std::abs(std::accumulate(fractions.begin(), fractions.end(), 0.0) - 1.0) > 1e-9)
    throw UsageError("part fractions must sum to 1");
  // Exact shares, rounded to 1e-9 so that 30 * 0.7 counts as 21, not 20.999999999999996.
  auto exact = [](double x) { return std::round(x * 1e9) / 1e9; };
  std::vector<std::vector<Index>> counts(S, std::vector<Index>(P));
  std::vector<std::vector<double>> rem(S, std::vector<double>(P));
  std::vector<Index> row_left(S);
  Index total = 0;
  for (size_t s = 0; s < S; ++s) {
    total += sizes[s];
    row_left[s] = sizes[s];
    for (size_t p = 0; p < P; ++p) {
      const double e = exact(double(sizes[s]) * fractions[p]);
      counts[s][p] = static_cast<Index>(std::floor(e));
      rem[s][p] = e - std::floor(e);
      row_left[s] -= counts[s][p];
    }
  }
  // Random tie-breaks among equal remainders.
  std::mt19937_64 rng(rng_seed);
  std::vector<std::pair<size_t, size_t>> cells;
  std::vector<uint64_t> key(S * P);
  for (size_t s = 0; s < S; ++s)
    for (size_t p = 0; p < P; ++p) {
      key[s * P + p] = rng();
      if (rem[s][p] > 0) cells.push_back({s, p});
    }
  std::sort(cells.begin(), cells.end(), [&](const auto& a, const auto& b) {
    const double ra = rem[a.first][a.second], rb = rem[b.first][b.second];
    return ra != rb ? ra > rb : key[a.first * P + a.second] < key[b.first * P + b.second];
  });

  // Column totals: floor(N f_p) plus one for `up` parts. Try the largest-remainder choice first,
  // then the others; a controlled rounding of a two-way table always exists (Bacharach 1966;
  // Cox & Ernst 1982), so one of them admits a full assignment.
  std::vector<Index> col_floor(P);
  std::vector<double> col_rem(P);
  Index up = total;
  for (size_t p = 0; p < P; ++p) {
    const double e = exact(double(total) * fractions[p]);
    col_floor[p] = static_cast<Index>(std::floor(e));
    col_rem[p] = e - std::floor(e);
    up -= col_floor[p];
  }
  std::vector<size_t> order(P);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return col_rem[a] > col_rem[b]; });
  std::vector<bool> choose(P, false);
  std::fill(choose.begin(), choose.begin() + up, true);
  do {
    std::vector<Index> col_left(P);
    bool possible = true;
    for (size_t k = 0; k < P; ++k) {
      const size_t p = order[k];
      const Index target = col_floor[p] + (choose[k] ? 1 : 0);
      if (choose[k] && col_rem[p] == 0) possible = false;
      col_left[p] = target;
      for (size_t s = 0; s < S; ++s) col_left[p] -= counts[s][p];
    }
    if (!possible) continue;
    // Bipartite b-matching rows -> parts (each cell at most +1): greedy by remainder, then
    // augmenting paths.
    std::vector<std::vector<char>> x(S, std::vector<char>(P, 0));
    std::vector<Index> rl = row_left, cl = col_left;
    for (const auto& [s, p] : cells)
      if (rl[s] > 0 && cl[p] > 0) {
        x[s][p] = 1;
        --rl[s];
        --cl[p];
      }
    for (size_t s0 = 0; s0 < S; ++s0) {
      while (rl[s0] > 0) {
        // BFS over rows; from row s to part p (x = 0, eligible), from part p back to row t (x = 1).
        std::vector<long> from_row(P, -1), from_part(S, -1);
        std::vector<size_t> queue{s0};
        std::vector<char> seen_row(S, 0);
        seen_row[s0] = 1;
        long end = -1;
        for (size_t q = 0; q < queue.size() && end < 0; ++q) {
          const size_t s = queue[q];
          for (size_t p = 0; p < P && end < 0; ++p) {
            if (x[s][p] || rem[s][p] <= 0 || from_row[p] >= 0) continue;
            from_row[p] = long(s);
            if (cl[p] > 0) end = long(p);
            for (size_t t = 0; t < S && end < 0; ++t) {
              if (!x[t][p] || seen_row[t]) continue;
              seen_row[t] = 1;
              from_part[t] = long(p);
              queue.push_back(t);
            }
          }
        }
        if (end < 0) break;
        --cl[size_t(end)];
        --rl[s0];
        for (long p = end; p >= 0;) {
          const size_t s = size_t(from_row[size_t(p)]);
          x[s][size_t(p)] = 1;
          const long prev = from_part[s];
          if (s == s0 && prev < 0) break;
          x[s][size_t(prev)] = 0;
          p = prev;
        }
      }
    }
    if (std::all_of(rl.begin(), rl.end(), [](Index r) { return r == 0; })) {
      for (size_t s = 0; s < S; ++s)
        for (size_t p = 0; p < P; ++p) counts[s][p] += x[s][p];
      return counts;
    }
  } while (std::prev_permutation(choose.begin(), choose.end()));
  throw RuntimeError("apportion: no controlled rounding found (please report)");
}

SplitInput split_input(const Cohort& cohort) {
  return {cohort.ids(), cohort.labels(), cohort.sites()};
}

SplitSet stratified_shuffle_splits(const SplitInput& in, const ShuffleSplitOptions& o) {
  check_input(in);
  check_fraction(o.val, "validation");
  check_fraction(o.test, "test");
  if (o.val + o.test >= 1.0) throw UsageError("validation + test fractions must be < 1");
  if (o.repeats < 1) throw UsageError("repeats must be >= 1");
  SplitSet set{"stratified_shuffle", o.seed, o.by_site, o.val, o.test, in.ids, {}};
  std::vector<Index> all(in.ids.size());
  std::iota(all.begin(), all.end(), 0);
  const auto strata = strata_of(in, all, o.by_site);
  for (int r = 0; r < o.repeats; ++r) {
    const uint64_t seed = mix(o.seed, uint64_t(r));
    std::mt19937_64 rng(seed);
    const auto counts =
        apportion(sizes_of(strata), {1.0 - o.val - o.test, o.val, o.test}, mix(seed, 7));
    auto parts = deal(strata, counts, rng);
    Split s;
    s.repeat = r;
    s.train = std::move(parts[0]);
    s.val = std::move(parts[1]);
    s.test = std::move(parts[2]);
    set.splits.push_back(std::move(s));
  }
  return set;
}

SplitSet stratified_kfold(const SplitInput& in, const KFoldOptions& o) {
  check_input(in);
  check_fraction(o.val, "validation");
  if (o.folds < 2 || size_t(o.folds) > in.ids.size())
    throw UsageError("folds must be between 2 and the number of subjects (got " +
                     std::to_string(o.folds) + ")");
  if (o.repeats < 1) throw UsageError("repeats must be >= 1");
  SplitSet set{"stratified_kfold", o.seed, o.by_site, o.val, 1.0 / o.folds, in.ids, {}};
  std::vector<Index> all(in.ids.size());
  std::iota(all.begin(), all.end(), 0);
  const auto strata = strata_of(in, all, o.by_site);
  for (int r = 0; r < o.repeats; ++r) {
    const uint64_t seed = mix(o.seed, uint64_t(r));
    std::mt19937_64 rng(seed);
    const auto folds =
        deal(strata,
             apportion(sizes_of(strata), std::vector<double>(size_t(o.folds), 1.0 / o.folds),
                       mix(seed, 7)),
             rng);
    for (int f = 0; f < o.folds; ++f) {
      Split s;
      s.repeat = r;
      s.fold = f;
      s.test = folds[size_t(f)];
      std::vector<Index> rest;
      for (int g = 0; g < o.folds; ++g)
        if (g != f) rest.insert(rest.end(), folds[size_t(g)].begin(), folds[size_t(g)].end());
      std::sort(rest.begin(), rest.end());
      carve_validation(in, rest, o.val, o.by_site, mix(seed, 100 + uint64_t(f)), s);
      set.splits.push_back(std::move(s));
    }
  }
  return set;
}

SplitSet leave_one_site_out(const SplitInput& in, const LeaveOneSiteOutOptions& o) {
  check_input(in);
  check_fraction(o.val, "validation");
  std::map<std::string, std::vector<Index>> by_site;
  for (size_t i = 0; i < in.ids.size(); ++i) by_site[in.sites[i]].push_back(Index(i));
  if (by_site.size() < 2)
    throw UsageError("leave-one-site-out needs >= 2 sites (found " +
                     std::to_string(by_site.size()) + ")");
  SplitSet set{"leave_one_site_out", o.seed, true, o.val, 0.0, in.ids, {}};
  int fold = 0;
  for (const auto& [site, members] : by_site) {
    Split s;
    s.fold = fold;
    s.test_site = site;
    s.test = members;
    std::vector<Index> rest;
    for (size_t i = 0; i < in.ids.size(); ++i)
      if (in.sites[i] != site) rest.push_back(Index(i));
    carve_validation(in, rest, o.val, true, mix(o.seed, uint64_t(fold)), s);
    set.splits.push_back(std::move(s));
    ++fold;
  }
  return set;
}

}  // namespace brainenc::models
