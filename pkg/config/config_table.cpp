// The configuration table (README "Configuration"): what each program's loader reads, learned by running it.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "pkg/config/config.hpp"

namespace auction::config {

std::vector<Variable> ApiConfigTable() {
    const auto env = Environment::Describing();
    (void)LoadApiConfig(env);
    return env.Asked();
}

std::vector<Variable> WorkerConfigTable() {
    const auto env = Environment::Describing();
    (void)LoadWorkerConfig(env);
    return env.Asked();
}

std::string ConfigTableJson(const std::vector<Variable>& table) {
    // One variable per line, so that the table reads (and diffs) as one.
    std::string out = "[";
    for (const auto& variable : table) {
        boost::json::object row;
        row["name"] = variable.name;
        row["required"] = variable.required;
        if (variable.fallback) {
            row["default"] = *variable.fallback;
        } else {
            row["default"] = nullptr;
        }
        out += (out.size() == 1 ? "\n  " : ",\n  ") + boost::json::serialize(row);
    }
    return out + "\n]\n";
}

}  // namespace auction::config
