// The progress bar (see include/ember/data/progress.h).
#include "ember/data/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace ember::data {

namespace {

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const auto s = static_cast<int64_t>(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60),
                      (long long)(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
    return buf;
}

}  // namespace

ProgressBar::ProgressBar(int64_t total, std::string label, std::ostream* out, std::string unit)
    : total_(total < 0 ? 0 : total), label_(std::move(label)), unit_(std::move(unit)), out_(out ? out : &std::cout) {
    if (out_ == &std::cout)
        tty_ = ::isatty(STDOUT_FILENO) != 0;
    else if (out_ == &std::cerr || out_ == &std::clog)
        tty_ = ::isatty(STDERR_FILENO) != 0;
    interval_ = std::chrono::duration<double>(tty_ ? 0.1 : 2.0);
    start_ = Clock::now();
    last_draw_ = start_;
}

ProgressBar::~ProgressBar() {
    if (!finished_) {
        try {
            finish();
        } catch (...) {  // a destructor must not throw (e.g. a closed stream with exceptions on)
        }
    }
}

void ProgressBar::update(int64_t n, std::initializer_list<Metric> metrics) {
    done_ += n;
    // Metrics are few and named the same every call: update in place, allocating only the first time.
    for (const Metric& m : metrics) {
        bool found = false;
        for (auto& [name, value] : metrics_)
            if (name == m.name) {
                value = m.value;
                found = true;
                break;
            }
        if (!found) metrics_.emplace_back(std::string(m.name), m.value);
    }
    const auto now = Clock::now();
    if (now - last_draw_ < interval_) return;
    last_draw_ = now;
    draw(false);
}

void ProgressBar::finish() {
    if (finished_) return;
    finished_ = true;
    draw(true);
}

std::string ProgressBar::render(bool final_line) const {
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
    std::string line = label_;
    if (!line.empty()) line += ' ';
    char buf[128];
    if (total_ > 0) {
        constexpr int kWidth = 25;
        const double frac = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
        const int filled = static_cast<int>(frac * kWidth);
        line += '[';
        for (int i = 0; i < kWidth; ++i) line += i < filled ? '=' : (i == filled ? '>' : ' ');
        line += ']';
        std::snprintf(buf, sizeof buf, " %lld/%lld %3d%%", (long long)done_, (long long)total_,
                      static_cast<int>(frac * 100));
    } else {
        std::snprintf(buf, sizeof buf, "%lld", (long long)done_);
    }
    line += buf;
    for (const auto& [name, value] : metrics_) {
        std::snprintf(buf, sizeof buf, "  %s %.4g", name.c_str(), value);
        line += buf;
    }
    std::snprintf(buf, sizeof buf, "  %.0f %s/s", rate, unit_.c_str());
    line += buf;
    if (final_line)
        line += "  " + format_duration(elapsed);
    else if (total_ > 0 && rate > 0 && done_ < total_)
        line += "  ETA " + format_duration(static_cast<double>(total_ - done_) / rate);
    return line;
}

void ProgressBar::draw(bool final_line) {
    std::string line = render(final_line);
    if (tty_) {
        // Redraw in place; pad with spaces when the new line is shorter than the old one.
        const std::size_t width = line.size();
        if (width < last_width_) line.append(last_width_ - width, ' ');
        last_width_ = width;
        *out_ << '\r' << line;
        if (final_line) *out_ << '\n';
    } else {
        *out_ << line << '\n';
    }
    out_->flush();
}

}  // namespace ember::data
