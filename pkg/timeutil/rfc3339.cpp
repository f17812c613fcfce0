#include "pkg/timeutil/rfc3339.hpp"

#include <chrono>
#include <cstdio>

namespace auction::timeutil {

namespace {

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) {
        return false;
    }
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (C++20 calendar types).
std::int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
    using namespace std::chrono;
    return sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count();
}

}  // namespace

std::optional<Micros> ParseRfc3339(std::string_view s) {
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!Digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, month) || s[7] != '-' ||
        !Digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, hour) || s[13] != ':' ||
        !Digits(s, 14, 2, minute) || s[16] != ':' || !Digits(s, 17, 2, second)) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{year} / month / day};
    if (year < 1 || !date.ok() || hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    Micros fraction = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        Micros scale = 100000;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 6) {
                fraction += (s[pos] - '0') * scale;
                scale /= 10;
            }
            ++digits;
            ++pos;
        }
        if (digits == 0 || digits > 9) {
            return std::nullopt;
        }
    }
    if (pos >= s.size()) {
        return std::nullopt;
    }
    int offset_minutes = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh = 0;
        int om = 0;
        if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, om) ||
            oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_minutes = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) {
        return std::nullopt;
    }
    const std::int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    // An offset can move a time out of years 1..9999 (0001-01-01T00:00:00+01:00 is in year 0 UTC), which
    // FormatRfc3339 could not print as a four-digit year this parser reads back: refuse it.
    if (secs < DaysFromCivil(1, 1, 1) * 86400 || secs >= DaysFromCivil(10000, 1, 1) * 86400) {
        return std::nullopt;
    }
    return secs * 1'000'000 + fraction;
}

namespace {

std::string FormatBase(Micros micros, Micros& sub_second) {
    std::int64_t secs = micros / 1'000'000;
    sub_second = micros % 1'000'000;
    if (sub_second < 0) {
        sub_second += 1'000'000;
        secs -= 1;
    }
    using namespace std::chrono;
    const auto day_start = floor<days>(sys_seconds{seconds{secs}});
    const year_month_day date{day_start};
    const std::int64_t rem = secs - duration_cast<seconds>(day_start.time_since_epoch()).count();
    const hh_mm_ss<seconds> time{seconds{rem}};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return buf;
}

}  // namespace

std::string FormatRfc3339(Micros micros) {
    Micros sub = 0;
    std::string out = FormatBase(micros, sub);
    if (sub != 0) {
        char frac[24];
        std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(sub));
        std::string f = frac;
        while (f.back() == '0') {
            f.pop_back();
        }
        out += f;
    }
    out += 'Z';
    return out;
}

std::string FormatRfc3339Millis(Micros micros) {
    Micros sub = 0;
    std::string out = FormatBase(micros, sub);
    char frac[24];
    std::snprintf(frac, sizeof frac, ".%03lldZ", static_cast<long long>(sub / 1000));
    return out + frac;
}

Micros NowMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace auction::timeutil
