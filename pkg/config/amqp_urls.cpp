// RABBITMQ_URL: one AMQP URL per broker node, comma-separated (README "Configuration").
#include <cctype>
#include <charconv>

#include "pkg/config/config.hpp"

namespace auction::config {

namespace {

struct AmqpUrl {
    std::string scheme;    // "amqp" or "amqps"
    std::string userinfo;  // "user:pass" as written (percent-encoded), may be empty
    std::string host;      // "name", "1.2.3.4" or "[::1]"
    std::string port;      // digits, may be empty (the scheme's default)
    std::string path;      // "" or "/vhost" as written
};

bool ValidPercentEncoding(const std::string& s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && (i + 2 >= s.size() || std::isxdigit(static_cast<unsigned char>(s[i + 1])) == 0 ||
                            std::isxdigit(static_cast<unsigned char>(s[i + 2])) == 0)) {
            return false;
        }
    }
    return true;
}

// "host[:port]" or "[v6]:port"; returns an error text, empty when fine.
std::string ParseHostPort(const std::string& text, AmqpUrl& url) {
    std::string rest = text;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos || close == 1) {
            return "has a malformed [IPv6] host";
        }
        url.host = rest.substr(0, close + 1);
        rest = rest.substr(close + 1);
        if (!rest.empty() && rest.front() != ':') {
            return "has text after its [IPv6] host";
        }
    } else {
        const auto colon = rest.find(':');
        url.host = rest.substr(0, colon);
        rest = colon == std::string::npos ? "" : rest.substr(colon);
    }
    if (url.host.empty()) {
        return "has no host";
    }
    for (char c : url.host) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == '@' || c == '/' || c == '?' || c == '#') {
            return "has a malformed host";
        }
    }
    if (!rest.empty()) {
        url.port = rest.substr(1);
        int port = 0;
        const auto* end = url.port.data() + url.port.size();
        auto [ptr, ec] = std::from_chars(url.port.data(), end, port);
        if (url.port.empty() || ec != std::errc() || ptr != end || port < 1 || port > 65535) {
            return "has a port that is not a number from 1 to 65535";
        }
    }
    return "";
}

// A full URL: scheme://[userinfo@]host[:port][/vhost]. Returns an error text, empty when fine.
std::string ParseFull(const std::string& text, AmqpUrl& url) {
    const auto sep = text.find("://");
    url.scheme = sep == std::string::npos ? "" : text.substr(0, sep);
    if (url.scheme != "amqp" && url.scheme != "amqps") {
        return "is not an amqp:// or amqps:// URL (amqp://user:pass@host:port/vhost)";
    }
    const std::string rest = text.substr(sep + 3);
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    url.path = slash == std::string::npos ? "" : rest.substr(slash);
    if (url.path.find_first_of("?#") != std::string::npos) {
        return "has a query or fragment (not supported)";
    }
    if (url.path.find('/', 1) != std::string::npos) {
        return "has a vhost containing '/' (write the vhost \"/\" as %2F, or leave the path empty)";
    }
    const auto at = authority.rfind('@');
    url.userinfo = at == std::string::npos ? "" : authority.substr(0, at);
    if (!ValidPercentEncoding(url.userinfo) || !ValidPercentEncoding(url.path)) {
        return "has a malformed %-escape";
    }
    return ParseHostPort(at == std::string::npos ? authority : authority.substr(at + 1), url);
}

std::string Format(const AmqpUrl& u) {
    return u.scheme + "://" + (u.userinfo.empty() ? "" : u.userinfo + "@") + u.host +
           (u.port.empty() ? "" : ":" + u.port) + u.path;
}

std::string TrimSpaces(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

std::vector<std::string> ParseAmqpUrls(const std::string& value, const std::string& variable) {
    std::vector<std::string> out;
    AmqpUrl first;
    std::size_t start = 0;
    for (int index = 1;; ++index) {
        const auto comma = value.find(',', start);
        const std::string entry =
            TrimSpaces(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        const std::string where = "malformed setting " + variable + ": node " + std::to_string(index);
        if (entry.empty()) {
            throw ConfigError(where + " is empty (expected a comma-separated list of amqp:// URLs)");
        }
        AmqpUrl url;
        std::string error;
        if (entry.find("://") != std::string::npos || index == 1) {
            error = ParseFull(entry, url);
        } else {
            // A bare node: the first URL's scheme, credentials and vhost.
            url = first;
            url.port.clear();
            error = entry.find_first_of("@/") != std::string::npos
                        ? "is neither a full amqp:// URL nor a bare host[:port]"
                        : ParseHostPort(entry, url);
        }
        if (!error.empty()) {
            // The entry is not echoed: it may hold a password.
            std::string message = where;
            message += ' ';
            message += error;
            throw ConfigError(message);
        }
        if (index == 1) {
            first = url;
        }
        out.push_back(Format(url));
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return out;
}

}  // namespace auction::config
