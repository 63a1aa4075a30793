// PNG grids (read back with libpng's own decoder) and the progress bar.
#include <png.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "core_test_util.h"
#include "data_test_util.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::data;
using core_test::require_throws_with;
using ember_test::ScratchDir;

namespace {

struct Gray {
    uint32_t width = 0, height = 0;
    std::vector<uint8_t> px;
    uint8_t at(uint32_t r, uint32_t c) const { return px[r * width + c]; }
};

Gray read_png(const std::string& path) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    REQUIRE(png_image_begin_read_from_file(&image, path.c_str()) != 0);
    CHECK(image.format == PNG_FORMAT_GRAY);  // stored as 8-bit grayscale
    image.format = PNG_FORMAT_GRAY;
    Gray g{image.width, image.height, std::vector<uint8_t>(PNG_IMAGE_SIZE(image))};
    REQUIRE(png_image_finish_read(&image, nullptr, g.px.data(), 0, nullptr) != 0);
    return g;
}

}  // namespace

TEST_CASE("save_image_grid writes a PNG that decodes to the expected pixels", "[data][png]") {
    ScratchDir dir("png");
    // 5 images of 2x3: image k has pixel (r, c) = (k + r * 3 + c) / 10, with out-of-range values.
    Tensor imgs = empty({5, 2, 3});
    for (int k = 0; k < 5; ++k)
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 3; ++c) imgs[k][r][c].fill_((k + r * 3 + c) / 10.0);
    imgs[0][0][0].fill_(-2.0);
    imgs[4][1][2].fill_(7.0);
    const std::string p = dir.file("grid.png");
    save_image_grid(imgs, p, /*nrow=*/0, /*padding=*/1, /*pad_value=*/0.0f);
    Gray g = read_png(p);
    // ceil(sqrt(5)) = 3 columns, 2 rows: width 3*3 + 4 = 13, height 2*2 + 3 = 7.
    REQUIRE(g.width == 13);
    REQUIRE(g.height == 7);
    for (int k = 0; k < 5; ++k)
        for (int r = 0; r < 2; ++r)
            for (int c = 0; c < 3; ++c) {
                double v = std::clamp((k + r * 3 + c) / 10.0, 0.0, 1.0);
                if (k == 0 && r == 0 && c == 0) v = 0;
                if (k == 4 && r == 1 && c == 2) v = 1;
                const uint32_t top = 1 + (k / 3) * 3, left = 1 + (k % 3) * 4;
                INFO("image " << k << " pixel " << r << "," << c);
                CHECK(int(g.at(top + r, left + c)) == int(std::lround(v * 255)));
            }
    CHECK(g.at(0, 0) == 0);   // padding
    CHECK(g.at(4, 12) == 0);  // empty sixth cell is padding colour
    // Flattened [N, H*W] input with explicit H, W and nrow gives the same pixels.
    save_image_grid(imgs.reshape({5, 6}), 2, 3, dir.file("flat.png"), 3, 1, 0.0f);
    CHECK(read_png(dir.file("flat.png")).px == g.px);
    // One row of 5, no padding; [N, 1, H, W] accepted; float64 accepted.
    save_image_grid(imgs.unsqueeze(1).to(kFloat64), dir.file("row.png"), 5, 0);
    Gray row = read_png(dir.file("row.png"));
    CHECK(row.width == 15);
    CHECK(row.height == 2);
    CHECK(int(row.at(1, 4)) == int(std::lround(0.5 * 255)));  // image 1, pixel (1, 1): (1 + 3 + 1) / 10
    require_throws_with<ShapeError>(
        [&] {
            save_image_grid(zeros({2, 2, 2, 2}), dir.file("x.png"));
        },
        {"save_image_grid", "[N, H, W]", "[2, 2, 2, 2]"});
    require_throws_with<ShapeError>(
        [&] {
            save_image_grid(zeros({2, 5}), 2, 3, dir.file("x.png"));
        },
        {"save_image_grid", "[N, 6]", "2 x 3", "Tensor[2, 5] float32 cpu"});
    require_throws_with<ValueError>(
        [&] {
            save_image_grid(zeros({2, 6}), 0, 6, dir.file("x.png"));
        },
        {"save_image_grid", "height and width must be positive", "0 x 6"});
    require_throws_with<IOError>([&] { save_image_grid(imgs, dir.file("no/such/dir/x.png")); },
                                 {dir.file("no/such/dir/x.png")});
    CHECK_FALSE(std::filesystem::exists(dir.file("x.png")));
}

TEST_CASE("ProgressBar prints plain lines off a terminal", "[data][progress]") {
    std::ostringstream out;
    {
        ProgressBar bar(100, "epoch 1/5", &out);
        CHECK_FALSE(bar.is_terminal());
        bar.update(10, {{"loss", 0.5}});
        CHECK(out.str().empty());  // within the 2 s interval: nothing printed yet
        bar.set_min_interval(0);
        bar.update(40, {{"loss", 0.31}, {"acc", 0.9}});
        std::string line = bar.render();
        CHECK_THAT(line, Catch::StartsWith("epoch 1/5 ["));
        CHECK_THAT(line, Catch::Contains("50/100") && Catch::Contains("50%") && Catch::Contains("loss 0.31") &&
                             Catch::Contains("acc 0.9") && Catch::Contains("samples/s") && Catch::Contains("ETA"));
        bar.update(50, {{"loss", 0.25}});
        bar.finish();
    }
    std::string text = out.str();
    // Lines: after update(40), after update(50), and the final line; no carriage returns.
    CHECK(std::count(text.begin(), text.end(), '\n') == 3);
    CHECK(text.find('\r') == std::string::npos);
    std::string last = text.substr(text.rfind('\n', text.size() - 2) + 1);
    CHECK_THAT(last, Catch::Contains("100/100") && Catch::Contains("loss 0.25") && !Catch::Contains("ETA"));
}
