#pragma once
// Service names and the names derived from them for templates.
//
// A service name is a lowercase DNS label that starts with a letter
// (`order-service`): it becomes a directory, a consumer group, a host-like
// name and, through the derived forms, identifiers in generated code.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ftgo::scaffold {

// Why `name` is not a valid service name, or nullopt when it is.
std::optional<std::string> invalid_service_name(const std::string& name);

// The derived names templates see, in a fixed order, for `order-service`:
//   name              order-service
//   name_snake        order_service
//   name_camel        orderService
//   name_pascal       OrderService
//   name_upper_snake  ORDER_SERVICE
//   name_title        Order Service
std::vector<std::pair<std::string, std::string>> derived_names(const std::string& name);

// True for the keys derived_names() produces (not settable with --set).
bool is_derived_name(const std::string& key);

}  // namespace ftgo::scaffold
