// Smallest useful ember program: a gradient through the public API, checked against the closed form.
#include <cstdio>

#include <ember/ember.h>

int main() {
    ember::Tensor x = ember::tensor({1.0, 2.0, 3.0}, ember::requires_grad());
    ember::Tensor y = (x * x).sum();  // y = sum x_i^2, dy/dx = 2x
    y.backward();
    bool ok = ember::allclose(x.grad(), x.detach() * 2.0);
    std::printf("consumer: y = %g, grad ok = %s\n", y.item<double>(), ok ? "yes" : "no");
    return ok ? 0 : 1;
}
