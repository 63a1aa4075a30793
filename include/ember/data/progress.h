#pragma once
// A terminal progress bar for training loops:
//
//   ember::data::ProgressBar bar(loader.size() * batch_size, "epoch 1/5");
//   for (auto& batch : loader) { ...; bar.update(batch.data.size(0), {{"loss", loss.item<double>()}}); }
//   bar.finish();
//
//   epoch 1/5 [===========>              ]  28160/60000  47%  loss 0.3100  5123 samples/s  ETA 0:06
//
// On a terminal it redraws one line in place with '\r' (at most 10 times a second); when the output
// is a file or a pipe (CI logs) it prints a plain line at most every 2 s and a final one. update()
// only adds and reads the clock unless it is time to draw, so calling it per batch is free.
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ember::data {

class ProgressBar {
public:
    struct Metric {
        std::string_view name;
        double value;
    };

    // `out` must be std::cout or std::cerr to be detected as a terminal; any other stream (a file,
    // a std::ostringstream in a test) gets the plain-line mode.
    explicit ProgressBar(int64_t total, std::string label = {}, std::ostream* out = nullptr,
                         std::string unit = "samples");
    ~ProgressBar();
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    // Advances by n and records the latest value of each metric (shown as the last value seen).
    void update(int64_t n = 1, std::initializer_list<Metric> metrics = {});
    // Draws the final line (with the elapsed time instead of the ETA) and ends it with '\n'.
    // Called by the destructor if not called before.
    void finish();

    // Minimum seconds between two draws (defaults: 0.1 on a terminal, 2 otherwise).
    void set_min_interval(double seconds) { interval_ = std::chrono::duration<double>(seconds); }
    bool is_terminal() const { return tty_; }
    int64_t done() const { return done_; }
    // The current line, without '\r' or '\n' (what the next draw would print).
    std::string render(bool final_line = false) const;

private:
    using Clock = std::chrono::steady_clock;
    void draw(bool final_line);

    int64_t total_, done_ = 0;
    std::string label_, unit_;
    std::ostream* out_;
    bool tty_ = false, finished_ = false;
    Clock::time_point start_, last_draw_;
    std::chrono::duration<double> interval_;
    std::vector<std::pair<std::string, double>> metrics_;
    std::size_t last_width_ = 0;  // to blank the tail of a longer previous line on a terminal
};

}  // namespace ember::data
