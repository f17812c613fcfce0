#pragma once

// A strict reader of the Prometheus text format 0.0.4, for tests: what a scrape would reject, this throws on.
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace auction::testing {

struct PromSample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

namespace prom_detail {

inline bool NameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
inline bool NameChar(char c) {
    return NameStart(c) || (c >= '0' && c <= '9');
}
inline std::string ReadName(std::string_view line, std::size_t& i, bool label) {
    const auto start = i;
    if (i >= line.size() || !NameStart(line[i]) || (label && line[i] == ':')) {
        throw std::runtime_error("bad name in: " + std::string(line));
    }
    while (i < line.size() && NameChar(line[i]) && !(label && line[i] == ':')) {
        ++i;
    }
    return std::string(line.substr(start, i - start));
}
inline double ReadValue(std::string_view text) {
    if (text == "+Inf") {
        return INFINITY;
    }
    if (text == "-Inf") {
        return -INFINITY;
    }
    if (text == "NaN") {
        return NAN;
    }
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(std::string(text), &used);
    } catch (const std::logic_error&) {
        used = 0;  // not a number at all
    }
    if (used == 0 || used != text.size()) {
        throw std::runtime_error("bad value: " + std::string(text));
    }
    return v;
}

}  // namespace prom_detail

/// Parses an exposition; throws std::runtime_error on any malformed line, on a sample whose family has
/// no TYPE before it or whose family is not the last one TYPE'd (families must be contiguous), or on a
/// TYPE given twice.
inline std::vector<PromSample> ParsePromText(std::string_view text) {
    using namespace prom_detail;
    std::vector<PromSample> out;
    std::map<std::string, std::string> types;
    std::string current;  // the family of the last TYPE line
    if (!text.empty() && text.back() != '\n') {
        throw std::runtime_error("the exposition must end with a line break");
    }
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        const std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) {
            continue;
        }
        if (line.starts_with("# TYPE ")) {
            std::size_t i = 7;
            const auto name = ReadName(line, i, false);
            const auto type = std::string(line.substr(i + 1));
            static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary", "untyped"};
            if (i >= line.size() || line[i] != ' ' || kTypes.count(type) == 0 || !types.emplace(name, type).second) {
                throw std::runtime_error("bad TYPE line: " + std::string(line));
            }
            current = name;
            continue;
        }
        if (line.starts_with("#")) {
            continue;  // HELP and comments
        }
        PromSample sample;
        std::size_t i = 0;
        sample.name = ReadName(line, i, false);
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                const auto label = ReadName(line, i, true);
                if (line.substr(i, 2) != "=\"") {
                    throw std::runtime_error("bad label in: " + std::string(line));
                }
                i += 2;
                std::string value;
                while (i < line.size() && line[i] != '"') {
                    if (line[i] == '\\' && i + 1 < line.size()) {
                        const char e = line[i + 1];
                        value += e == 'n' ? '\n' : e;
                        if (e != 'n' && e != '\\' && e != '"') {
                            throw std::runtime_error("bad escape in: " + std::string(line));
                        }
                        i += 2;
                    } else {
                        value += line[i++];
                    }
                }
                if (i >= line.size() || !sample.labels.emplace(label, value).second) {
                    throw std::runtime_error("bad label value in: " + std::string(line));
                }
                ++i;  // closing quote
                if (i < line.size() && line[i] == ',') {
                    ++i;
                }
            }
            if (i >= line.size()) {
                throw std::runtime_error("unterminated labels in: " + std::string(line));
            }
            ++i;  // '}'
        }
        if (i >= line.size() || line[i] != ' ') {
            throw std::runtime_error("no value in: " + std::string(line));
        }
        auto rest = line.substr(i + 1);
        rest = rest.substr(0, rest.find(' '));  // an optional timestamp follows
        sample.value = ReadValue(rest);
        std::string family = sample.name;
        for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
            if (types.count(family) == 0 && family.ends_with(suffix)) {
                family = family.substr(0, family.size() - suffix.size());
            }
        }
        if (types.count(family) == 0) {
            throw std::runtime_error("sample without a TYPE: " + std::string(line));
        }
        if (family != current) {
            // Prometheus requires a family's lines to be contiguous: no sample after another family's TYPE.
            throw std::runtime_error("sample of " + family + " after the TYPE of " + current + ": " +
                                     std::string(line));
        }
        out.push_back(std::move(sample));
    }
    return out;
}

/// The value of the first sample with `name` whose labels include `labels`; NaN when there is none.
inline double FindSample(const std::vector<PromSample>& samples, const std::string& name,
                         const std::map<std::string, std::string>& labels = {}) {
    for (const auto& s : samples) {
        if (s.name != name) {
            continue;
        }
        bool all = true;
        for (const auto& [k, v] : labels) {
            auto it = s.labels.find(k);
            all = all && it != s.labels.end() && it->second == v;
        }
        if (all) {
            return s.value;
        }
    }
    return NAN;
}

}  // namespace auction::testing
