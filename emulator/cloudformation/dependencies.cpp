// Which resources a resource needs before it can be created, and an order that respects them.
#include <algorithm>
#include <functional>

#include "cloudformation/evaluator.h"
#include "cloudformation/sub_syntax.h"

namespace cloudformation {

using nlohmann::json;

void Evaluator::collect_references(const json& node, std::set<std::string>& out) const {
  if (node.is_array()) {
    for (const auto& item : node) collect_references(item, out);
    return;
  }
  if (!node.is_object()) return;
  auto add = [&](const std::string& name) {
    if (resources().contains(name)) out.insert(name);
  };
  if (node.size() == 1) {
    const std::string& key = node.begin().key();
    const json& argument = *node.begin();
    if (key == "Ref" && argument.is_string()) {
      add(argument);
      return;
    }
    if (key == "Fn::GetAtt") {
      if (argument.is_string()) add(argument.get<std::string>().substr(0, argument.get<std::string>().find('.')));
      if (argument.is_array() && !argument.empty() && argument[0].is_string()) add(argument[0]);
      if (argument.is_array() && argument.size() > 1) collect_references(argument[1], out);
      return;
    }
    if (key == "Fn::Sub") {
      const json* format = argument.is_array() && !argument.empty() ? &argument[0] : &argument;
      const json* variables = argument.is_array() && argument.size() > 1 ? &argument[1] : nullptr;
      if (variables) collect_references(*variables, out);
      if (format->is_string()) {
        for (const auto& part : split_sub(format->get<std::string>())) {
          if (!part.is_variable || (variables && variables->is_object() && variables->contains(part.text))) continue;
          add(part.text.substr(0, part.text.find('.')));
        }
      }
      return;
    }
    // Only the branch Fn::If takes counts, as on AWS.
    if (key == "Fn::If" && argument.is_array() && argument.size() == 3 && argument[0].is_string() &&
        conditions_.contains(argument[0])) {
      collect_references(argument[condition(argument[0]) ? 1 : 2], out);
      return;
    }
  }
  for (const auto& child : node) collect_references(child, out);
}

std::set<std::string> Evaluator::references(const std::string& logical_id) const {
  std::set<std::string> found;
  auto it = resources().find(logical_id);
  if (it == resources().end() || !it->is_object()) return found;
  for (const auto& [key, value] : it->items()) {
    if (key == "DependsOn") {
      for (const auto& name : value.is_array() ? value : json::array({value}))
        if (name.is_string()) found.insert(name.get<std::string>());
    } else if (key != "Condition" && key != "Type") {
      collect_references(value, found);
    }
  }
  return found;
}

std::set<std::string> Evaluator::dependencies(const std::string& logical_id) const {
  std::set<std::string> enabled;
  for (const auto& name : references(logical_id))
    if (resource_enabled(name)) enabled.insert(name);
  return enabled;
}

std::expected<std::vector<std::string>, std::string> Evaluator::creation_order() const {
  std::vector<std::string> pending;  // template order
  std::map<std::string, std::set<std::string>> needs;
  for (const auto& [id, resource] : resources().items()) {
    if (!resource_enabled(id)) continue;
    for (const auto& name : references(id))
      if (!resource_enabled(name))
        return std::unexpected("Template format error: Unresolved resource dependencies [" + name +
                               "] in the Resources block of the template");
    pending.push_back(id);
    needs[id] = dependencies(id);
  }

  std::vector<std::string> order;
  std::set<std::string> placed;
  while (!pending.empty()) {
    auto ready = std::find_if(pending.begin(), pending.end(), [&](const std::string& id) {
      return std::all_of(needs[id].begin(), needs[id].end(), [&](const std::string& n) { return placed.contains(n); });
    });
    if (ready == pending.end()) break;
    placed.insert(*ready);
    order.push_back(*ready);
    pending.erase(ready);
  }
  if (pending.empty()) return order;

  // What is left holds at least one cycle; name the resources on cycles (strongly connected
  // components of more than one resource, or one that needs itself), not those merely waiting
  // on one. Tarjan's algorithm over the resources left.
  std::map<std::string, int> index, low;
  std::vector<std::string> stack;
  std::set<std::string> on_stack, in_cycle;
  int counter = 0;
  std::function<void(const std::string&)> connect = [&](const std::string& id) {
    index[id] = low[id] = counter++;
    stack.push_back(id);
    on_stack.insert(id);
    for (const auto& next : needs[id]) {
      if (placed.contains(next)) continue;
      if (!index.contains(next)) {
        connect(next);
        low[id] = std::min(low[id], low[next]);
      } else if (on_stack.contains(next)) {
        low[id] = std::min(low[id], index[next]);
      }
    }
    if (low[id] != index[id]) return;
    std::vector<std::string> component;
    std::string member;
    do {
      member = stack.back();
      stack.pop_back();
      on_stack.erase(member);
      component.push_back(member);
    } while (member != id);
    if (component.size() > 1 || needs[id].contains(id)) in_cycle.insert(component.begin(), component.end());
  };
  for (const auto& id : pending)
    if (!index.contains(id)) connect(id);

  std::string names;
  for (const auto& id : in_cycle) names += (names.empty() ? "" : ", ") + id;
  return std::unexpected("Circular dependency between resources: [" + names + "]");
}

}  // namespace cloudformation
