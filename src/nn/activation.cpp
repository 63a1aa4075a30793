// The activation modules' constructors (which check the options, so a bad one fails where the
// module is made rather than at its first forward) and their printing, libtorch's format.
#include "ember/nn/activation.h"

namespace ember::nn {

namespace {
// libtorch prints inplace only when it is set.
const char* inplace_suffix(bool inplace, bool first) {
    if (!inplace) return "";
    return first ? "inplace=true" : ", inplace=true";
}
}  // namespace

ReLUImpl::ReLUImpl(const ReLUOptions& o) : Module("ReLU"), options(o) {}
void ReLUImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::ReLU(" << inplace_suffix(options.inplace(), true) << ")";
}

LeakyReLUImpl::LeakyReLUImpl(const LeakyReLUOptions& o) : Module("LeakyReLU"), options(o) {}
void LeakyReLUImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::LeakyReLU(negative_slope=" << options.negative_slope() << inplace_suffix(options.inplace(), false)
       << ")";
}

ELUImpl::ELUImpl(const ELUOptions& o) : Module("ELU"), options(o) {}
void ELUImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::ELU(alpha=" << options.alpha() << inplace_suffix(options.inplace(), false) << ")";
}

GELUImpl::GELUImpl(const GELUOptions& o) : Module("GELU"), options(o) {
    EMBER_ENFORCE(o.approximate() == "none" || o.approximate() == "tanh", ValueError,
                  "GELU: approximate must be \"none\" or \"tanh\", got \"", o.approximate(), "\"");
}
// libtorch 1.13 prints GELU() whichever the approximation.
void GELUImpl::pretty_print(std::ostream& os) const { os << "ember::nn::GELU()"; }

HardtanhImpl::HardtanhImpl(const HardtanhOptions& o) : Module("Hardtanh"), options(o) {
    EMBER_ENFORCE(o.min_val() <= o.max_val(), ValueError, "Hardtanh: min_val (", o.min_val(),
                  ") must not exceed max_val (", o.max_val(), ")");
}
void HardtanhImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::Hardtanh(min_val=" << options.min_val() << ", max_val=" << options.max_val()
       << inplace_suffix(options.inplace(), false) << ")";
}

SoftplusImpl::SoftplusImpl(const SoftplusOptions& o) : Module("Softplus"), options(o) {
    EMBER_ENFORCE(o.beta() > 0, ValueError, "Softplus: beta must be positive, got ", o.beta());
}
void SoftplusImpl::pretty_print(std::ostream& os) const {
    os << "ember::nn::Softplus(beta=" << options.beta() << ", threshold=" << options.threshold() << ")";
}

}  // namespace ember::nn
