// The containers, as libtorch's: Sequential (variadic, named, push_back, extend, at/ptr/[],
// iteration over AnyModule), ModuleList, ModuleDict and Functional. Checked against what the
// modules compute on their own and against libtorch's child names.
#include <sstream>

#include "core_test_util.h"
#include "nn_test_util.h"

using namespace nn_test;
using core_test::require_throws_with;
using ember::Tensor;
namespace F = ember::nn::functional;
namespace nn = ember::nn;

namespace {

std::vector<std::string> parameter_names(nn::Module& m) { return m.named_parameters().keys(); }
std::vector<std::string> child_names(const nn::Module& m) { return m.named_children().keys(); }

}  // namespace

TEST_CASE("Sequential: variadic, named and pushed layers run in order", "[nn][containers]") {
    ember::manual_seed(3);
    nn::Linear fc(4, 3);
    nn::Sequential seq(fc, nn::ReLU(), std::make_shared<nn::LinearImpl>(3, 2));
    REQUIRE(seq->size() == 3);
    REQUIRE(parameter_names(*seq) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
    Tensor x = ember::randn({5, 4});
    Tensor want = seq->ptr<nn::LinearImpl>(2)->forward(ember::relu(fc(x)));
    REQUIRE(ember::equal(seq(x), want));
    REQUIRE(ember::equal(seq->forward(x), want));

    // libtorch's named form; names replace the positions in named_parameters().
    nn::Sequential named({{"fc", fc}, {"act", nn::Tanh()}, {"out", std::make_shared<nn::LinearImpl>(3, 1)}});
    REQUIRE(parameter_names(*named) == std::vector<std::string>{"fc.weight", "fc.bias", "out.weight", "out.bias"});
    REQUIRE(child_names(*named) == std::vector<std::string>{"fc", "act", "out"});
    REQUIRE(named[0].get() == fc.get());  // the same module, shared, not a copy

    // push_back with and without a name, and extend with another Sequential's layers.
    nn::Sequential built;
    built->push_back(nn::Linear(4, 4));
    built->push_back("act", nn::Sigmoid());
    built->extend(*seq);
    REQUIRE(child_names(*built) == std::vector<std::string>{"0", "act", "2", "3", "4"});
    REQUIRE(built->is_empty() == false);
    int n = 0;
    for (const nn::AnyModule& layer : *built) {
        REQUIRE(layer.ptr() == built->ptr(static_cast<std::size_t>(n)));
        ++n;
    }
    REQUIRE(n == 5);
}

TEST_CASE("Sequential: at<T>, ptr<T> and the AnyModule of a layer", "[nn][containers]") {
    nn::Sequential seq(nn::Linear(2, 3), nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)));
    nn::LinearImpl& lin = seq->at<nn::LinearImpl>(0);
    REQUIRE(lin.options.out_features() == 3);
    REQUIRE(&lin == seq->ptr<nn::LinearImpl>(0).get());
    REQUIRE(seq->at<nn::LeakyReLUImpl>(1).options.negative_slope() == 0.2);
    const nn::AnyModule& any = *seq->begin();
    REQUIRE(any.type_info() == typeid(nn::LinearImpl));
    REQUIRE(&any.get<nn::LinearImpl>() == &lin);
    nn::Linear holder = any.get<nn::Linear>();
    REQUIRE(holder.get() == &lin);
    require_throws_with<ember::ValueError>([&] { (void)seq->at<nn::ReLUImpl>(0); },
                                           {"Linear", "not the requested", "ember::nn::ReLUImpl"});
    require_throws_with<ember::IndexError>([&] { (void)seq->ptr(2); }, {"Sequential", "index 2", "2 layers"});
    require_throws_with<ember::ValueError>([] { (void)nn::Sequential()->forward(ember::ones({1})); },
                                           {"Sequential", "empty"});
}

TEST_CASE("Sequential: any module with a Tensor -> Tensor forward, Functional among them", "[nn][containers]") {
    Tensor x = ember::tensor({-2.0, -0.5, 1.0}, ember::dtype(ember::kFloat64));
    nn::Sequential seq(nn::Functional(ember::relu), nn::Functional(ember::leaky_relu, 0.5), nn::Dropout(0.0),
                       nn::Flatten(nn::FlattenOptions(0)), nn::Identity(), nn::Softmax(0));
    Tensor want = ember::softmax(ember::relu(x), 0);
    require_close(seq(x), values(want), 1e-15);
    nn::Functional neg([](Tensor t) { return -t; });
    require_close(neg(x), {2.0, 0.5, -1.0}, 0);
    // leaky_relu(x, 0.5) bound as libtorch binds extra arguments
    nn::Functional leaky(ember::leaky_relu, 0.5);
    require_close(leaky(x), {-1.0, -0.25, 1.0}, 0);
}

TEST_CASE("ModuleList: push_back, insert, extend, at/ptr and iteration", "[nn][containers]") {
    nn::ModuleList list(nn::Linear(2, 2), nn::ReLU());
    list->push_back(std::make_shared<nn::TanhImpl>());
    REQUIRE(list->size() == 3);
    REQUIRE(child_names(*list) == std::vector<std::string>{"0", "1", "2"});
    REQUIRE(list->ptr<nn::ReLUImpl>(1) != nullptr);
    REQUIRE(list->ptr<nn::ReLUImpl>(0) == nullptr);  // libtorch's ptr<T>: null for another type
    REQUIRE(list->at<nn::LinearImpl>(0).weight.sizes() == ember::IntArrayRef({2, 2}));
    require_throws_with<ember::ValueError>([&] { (void)list->at<nn::TanhImpl>(0); }, {"ModuleList", "Linear"});
    require_throws_with<ember::IndexError>([&] { (void)list[3]; }, {"ModuleList", "index 3"});

    // insert moves the later modules one place on, and their children's names follow.
    auto sig = std::make_shared<nn::SigmoidImpl>();
    auto lin = list[0];
    list->insert(0, sig);
    REQUIRE(list->size() == 4);
    REQUIRE(list[0] == sig);
    REQUIRE(list[1] == lin);
    const auto kids = list->named_children();
    for (std::size_t i = 0; i < list->size(); ++i) REQUIRE(kids[std::to_string(i)] == list[i]);
    REQUIRE(parameter_names(*list) == std::vector<std::string>{"1.weight", "1.bias"});

    nn::ModuleList more;
    more->extend(*list);
    REQUIRE(more->size() == 4);
    std::size_t i = 0;
    for (const auto& m : *more) REQUIRE(m == list[i++]);
}

TEST_CASE("ModuleDict: keys in insertion order, update, pop and clear", "[nn][containers]") {
    nn::ModuleDict dict(std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>>{{"b", nn::Linear(3, 2).ptr()},
                                                                                         {"a", nn::ReLU().ptr()}});
    REQUIRE(dict->keys() == std::vector<std::string>{"b", "a"});
    REQUIRE(dict->size() == 2);
    REQUIRE(dict->contains("a"));
    REQUIRE_FALSE(dict->contains("c"));
    REQUIRE(dict->at<nn::LinearImpl>("b").options.in_features() == 3);
    REQUIRE(parameter_names(*dict) == std::vector<std::string>{"b.weight", "b.bias"});

    // update: a new key is appended, an existing one keeps its place with the new module.
    auto tanh = nn::Tanh().ptr();
    ember::OrderedDict<std::string, std::shared_ptr<nn::Module>> more;
    more.insert("c", nn::Sigmoid().ptr());
    more.insert("a", tanh);
    dict->update(more);
    REQUIRE(dict->keys() == std::vector<std::string>{"b", "a", "c"});
    REQUIRE(dict["a"] == tanh);
    REQUIRE(dict->named_children()["a"] == tanh);
    std::vector<std::string> seen;
    for (const auto& item : *dict) seen.push_back(item.key());
    REQUIRE(seen == dict->keys());
    REQUIRE(dict->items().size() == 3);
    REQUIRE(dict->values().size() == 3);

    // pop and clear unregister what they remove.
    auto b = dict->pop("b");
    REQUIRE(b->as<nn::LinearImpl>() != nullptr);
    REQUIRE(dict->keys() == std::vector<std::string>{"a", "c"});
    REQUIRE(child_names(*dict) == std::vector<std::string>{"a", "c"});
    REQUIRE(dict->parameters().empty());
    dict->clear();
    REQUIRE(dict->empty());
    REQUIRE(dict->children().empty());
    require_throws_with<ember::IndexError>([&] { (void)dict["zz"]; }, {"ModuleDict", "zz"});

    nn::ModuleDict from_dict(more);
    REQUIRE(from_dict->keys() == std::vector<std::string>{"c", "a"});
}

TEST_CASE("containers: a tree of them prints as libtorch's does", "[nn][containers]") {
    nn::Sequential seq({{"fc", nn::Linear(2, 3)}, {"act", nn::ReLU()}});
    std::ostringstream os;
    os << *seq;
    REQUIRE(os.str() ==
            "ember::nn::Sequential(\n"
            "  (fc): ember::nn::Linear(in_features=2, out_features=3, bias=true)\n"
            "  (act): ember::nn::ReLU()\n"
            ")");
    nn::ModuleList list(nn::Tanh(), nn::Dropout(0.25));
    std::ostringstream ol;
    ol << *list;
    REQUIRE(ol.str() ==
            "ember::nn::ModuleList(\n"
            "  (0): ember::nn::Tanh()\n"
            "  (1): ember::nn::Dropout(p=0.25, inplace=false)\n"
            ")");
    std::ostringstream od;
    od << *nn::ModuleDict() << " " << *nn::Functional(ember::relu);
    REQUIRE(od.str() == "ember::nn::ModuleDict ember::nn::Functional()");
}
