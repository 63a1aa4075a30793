// A picture of the tape: the two-layer network of two_layer_net_autograd.cpp runs one forward
// pass, and the graph autograd recorded for its loss is written as Graphviz DOT. With Graphviz
// installed (Debian: apt install graphviz) it is rendered to SVG and PNG; otherwise the DOT text
// is printed, to paste into any Graphviz viewer.
//
//     y_pred = relu(x w1) w2,   loss = sum((y_pred - y)^2)
//
// Read the picture from the leaves up: w1 and w2 (blue) feed the products, each box is one op's
// node with the shapes it saved for backward, and loss.backward() walks the arrows in reverse.
//
//     two_layer_net_graph [output prefix, default two_layer_net_graph]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <ember/ember.h>

int main(int argc, char** argv) {
    const std::string prefix = argc > 1 ? argv[1] : "two_layer_net_graph";
    const int64_t N = 64, D_in = 1000, H = 100, D_out = 10;
    ember::manual_seed(0);

    ember::Tensor x = ember::randn({N, D_in});
    ember::Tensor y = ember::randn({N, D_out});
    ember::Tensor w1 = ember::randn({D_in, H}, ember::requires_grad());
    ember::Tensor w2 = ember::randn({H, D_out}, ember::requires_grad());

    // One forward pass records the graph; nothing is run backward.
    ember::Tensor y_pred = x.mm(w1).clamp_min(0).mm(w2);
    ember::Tensor loss = (y_pred - y).pow(2).sum();
    std::printf("loss %.6g, recorded by %s\n", loss.item<double>(), loss.grad_fn()->name().c_str());

    // The names label the leaves, as torchviz's make_dot(loss, params=...).
    const std::string dot = ember::autograd::to_dot(loss, {{"w1", w1}, {"w2", w2}});
    const std::string dot_path = prefix + ".dot";
    std::ofstream(dot_path) << dot;
    std::printf("wrote %s\n", dot_path.c_str());

    if (std::system("command -v dot > /dev/null 2>&1") != 0) {
        std::printf("Graphviz's `dot` is not installed (apt install graphviz); the graph:\n\n%s", dot.c_str());
        return 0;
    }
    for (const char* format : {"svg", "png"}) {
        const std::string out = prefix + "." + format;
        const std::string command = "dot -T" + std::string(format) + " '" + dot_path + "' -o '" + out + "'";
        if (std::system(command.c_str()) != 0) {
            std::fprintf(stderr, "dot failed: %s\n", command.c_str());
            return 1;
        }
        std::printf("wrote %s\n", out.c_str());
    }
    return 0;
}
