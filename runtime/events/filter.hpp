#pragma once
// `ftgo tail --where SELECTOR=GLOB` filters; several filters must all match.
//   key=order-*            the key (as text)
//   header.type=Order*     a header's value (any header of that name)
//   value=*cancel*         the whole value
//   value.order.id=7       a field of a JSON value: dotted path, array
//                          indexes as numbers (value.items.0.sku=A*)
// GLOB is fnmatch(3) syntax (*, ?, [...]). SELECTOR!=GLOB negates. A JSON
// field matches by its text: strings as they are, other values as compact JSON
// (7, true, null). A missing field, a null key or a value that is not JSON
// does not match (and so does match a != filter).
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"

namespace ftgo::events {

struct Filter {
  enum class Target { key, header, value, value_field };
  Target target = Target::key;
  std::string name;               // header name
  std::vector<std::string> path;  // value field path
  std::string glob;
  bool negate = false;
};

// Parses one --where; throws a usage ftgo::Error naming the filter.
Filter parse_filter(std::string_view text);

// Matches filters against events; parses each value as JSON at most once.
class FilterSet {
 public:
  explicit FilterSet(std::vector<Filter> filters) : m_filters(std::move(filters)) {}
  bool empty() const { return m_filters.empty(); }
  bool matches(const Event& e) const;

 private:
  std::vector<Filter> m_filters;
};

}  // namespace ftgo::events
