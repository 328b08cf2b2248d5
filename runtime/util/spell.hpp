#pragma once
// "Did you mean": the closest candidate to a mistyped name, by edit distance.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftgo::util {

// Levenshtein distance between a and b.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name`, if one is close enough to be a typo
// (distance at most max(2, name.size() / 3)).
std::optional<std::string> closest_match(std::string_view name,
                                         const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — ready to append to an error cause.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace ftgo::util
