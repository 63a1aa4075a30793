#!/usr/bin/env python3
"""PyTorch's side of the GPU benchmarks: the workloads of benchmarks/gpu_bench.cpp, written the way
ember runs them, on the same GPU. scripts/gpu_check.sh runs both and compares.

    gpu_bench_torch.py OUT.json [--quick]
    gpu_bench_torch.py --compare EMBER.json TORCH.json SUMMARY.json

The first form writes {"side": "torch", "results": [{"name", "value", "unit", ...}]}; the second
joins the two sides by workload name and writes each time with the ratio ember / torch (above 1:
ember is slower), also printed as a table.
"""
import json
import sys
import time


def bench(out_path, quick):
    import torch
    import torch.nn.functional as F

    if not torch.cuda.is_available():
        print("gpu_bench_torch: torch sees no CUDA GPU", file=sys.stderr)
        return 1
    dev = torch.device("cuda:0")
    sync = torch.cuda.synchronize
    results = []

    def matmul(tf32):
        n = 4096
        torch.manual_seed(3)
        a = torch.randn(n, n, device=dev)
        b = torch.randn(n, n, device=dev)
        old = torch.backends.cuda.matmul.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
        try:
            c = a @ b  # warm-up
            reps = 5 if quick else 20
            sync()
            t0 = time.perf_counter()
            for _ in range(reps):
                c = a @ b
            sync()
            s = (time.perf_counter() - t0) / reps
        finally:
            torch.backends.cuda.matmul.allow_tf32 = old
        name = "matmul_tf32_4096" if tf32 else "matmul_f32_4096"
        return [{"name": name, "value": s * 1e3, "unit": "ms", "tflops": 2.0 * n ** 3 / s / 1e12}]

    def op_overhead():
        chain, reps = 1000, (3 if quick else 10)
        x = torch.ones(1, device=dev, requires_grad=True)
        w = torch.full((1,), 1.0000001, device=dev)

        def forward():
            y = x
            for _ in range(chain):
                y = y * w
            return y

        forward().sum().backward()  # warm-up
        fwd = bwd = 0.0
        for _ in range(reps):
            x.grad = None
            sync()
            t0 = time.perf_counter()
            y = forward()
            sync()
            fwd += time.perf_counter() - t0
            s = y.sum()
            sync()
            t0 = time.perf_counter()
            s.backward()
            sync()
            bwd += time.perf_counter() - t0
        per = 1e6 / (chain * reps)
        return [{"name": "op_overhead_fwd", "value": fwd * per, "unit": "us", "chain": chain},
                {"name": "op_overhead_bwd", "value": bwd * per, "unit": "us", "chain": chain}]

    def mlp_step():
        torch.manual_seed(2)
        net = torch.nn.Sequential(torch.nn.Linear(784, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 1024),
                                  torch.nn.ReLU(), torch.nn.Linear(1024, 10)).to(dev)
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        batch, nb = 128, 8
        xs = [torch.rand(batch, 784, device=dev) for _ in range(nb)]
        ys = [torch.randint(0, 10, (batch,), device=dev) for _ in range(nb)]

        def step(i):
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(xs[i % nb]), ys[i % nb])
            loss.backward()
            opt.step()
            return loss

        for i in range(20):
            step(i)
        steps = 50 if quick else 300
        sync()
        t0 = time.perf_counter()
        for i in range(steps):
            last = step(i)
        sync()
        ms = (time.perf_counter() - t0) / steps * 1e3
        return [{"name": "mlp_step", "value": ms, "unit": "ms", "batch": batch, "final_loss": last.item()}]

    def rbm_epoch():
        # ember's RBM::fit (src/nn/rbm.cpp), CD-1, on the GPU, written directly in PyTorch as
        # benchmarks/bench_torch.cpp does on the CPU: per batch, p(h | v0), a hidden sample, a
        # visible sample, p(h | vk), the CD statistics formed directly (no autograd graph),
        # L2 weight decay on W, SGD with a momentum buffer (torch.optim.SGD's rule), the batch's
        # reconstruction error (from the model before the update) and free-energy gap F(v0) - F(vk);
        # metrics summed on the device in float64 and read once per epoch; the data shuffled once
        # per epoch.
        n, nv, nh = (6000 if quick else 60000), 784, 500
        torch.manual_seed(1)
        p = torch.sigmoid(torch.randn(1, nv, device=dev) * 2.0).expand(n, nv).contiguous()
        data = torch.bernoulli(p)
        W = torch.randn(nh, nv, device=dev) * 0.01
        b = torch.zeros(nv, device=dev)
        c = torch.zeros(nh, device=dev)
        params = [W, b, c]
        lr, momentum, wd, bs = 0.1, 0.5, 2e-4, 100

        def free_energy_given(v, a):
            return -(v @ b) - F.softplus(a).sum(1)

        @torch.no_grad()
        def epoch():
            m = data.mean(0).clamp(1e-3, 1 - 1e-3)
            b.copy_(torch.log(m / (1 - m)))
            velocity = [torch.zeros_like(q) for q in params]
            shuffled = data[torch.randperm(n, device=dev)]
            err_acc = gap_acc = None
            for start in range(0, n, bs):
                v0 = shuffled[start:start + bs]
                length = v0.shape[0]
                a0 = F.linear(v0, W, c)
                h0 = torch.sigmoid(a0)
                vk = torch.bernoulli(torch.sigmoid(torch.addmm(b, torch.bernoulli(h0), W)))
                recon = torch.sigmoid(torch.addmm(b, h0, W))
                ak = F.linear(vk, W, c)
                hk = torch.sigmoid(ak)
                gap = free_energy_given(v0, a0).mean() - free_energy_given(vk, ak).mean()
                gW = (hk.t() @ vk - h0.t() @ v0).div_(length).add_(W, alpha=wd)
                grads = [gW, (vk - v0).mean(0), (hk - h0).mean(0)]
                for q, v, g in zip(params, velocity, grads):
                    v.mul_(momentum).add_(g)
                    q.sub_(v, alpha=lr)
                d = v0 - recon
                e = (d * d).sum(1).mean().double() * length
                g = gap.double() * length
                err_acc = e if err_acc is None else err_acc + e
                gap_acc = g if gap_acc is None else gap_acc + g
            return err_acc.item() / n, gap_acc.item() / n

        epoch()  # warm-up
        reps = 1 if quick else 2
        sync()
        t0 = time.perf_counter()
        for _ in range(reps):
            err, _ = epoch()
        sync()
        s = (time.perf_counter() - t0) / reps
        return [{"name": "rbm_cd1_epoch", "value": s, "unit": "s", "examples": n, "reconstruction_error": err}]

    for name, fn in [("matmul_f32_4096", lambda: matmul(False)), ("matmul_tf32_4096", lambda: matmul(True)),
                     ("op_overhead", op_overhead), ("mlp_step", mlp_step), ("rbm_cd1_epoch", rbm_epoch)]:
        print(f"gpu_bench_torch: {name} ...", file=sys.stderr)
        try:
            results.extend(fn())
        except Exception as e:  # record and go on with the other workloads
            print(f"gpu_bench_torch: {name} failed: {e}", file=sys.stderr)
            results.append({"name": name, "value": -1, "unit": "failed"})
    for r in results:
        print(f"{r['name']:<20} {r['value']:12.4f} {r['unit']}")
    with open(out_path, "w") as f:
        json.dump({"side": "torch", "torch": torch.__version__, "device": torch.cuda.get_device_name(0),
                   "quick": quick, "results": results}, f, indent=1)
    return 0


def compare(ember_path, torch_path, out_path):
    def load(path):
        try:
            with open(path) as f:
                return {r["name"]: r for r in json.load(f)["results"]}
        except (OSError, ValueError, KeyError):
            return {}

    e, t = load(ember_path), load(torch_path)
    rows = []
    for name in sorted(set(e) | set(t)):
        ev, tv = e.get(name, {}).get("value"), t.get(name, {}).get("value")
        ok = ev is not None and tv is not None and ev > 0 and tv > 0
        rows.append({"name": name, "unit": (e.get(name) or t.get(name))["unit"], "ember": ev, "torch": tv,
                     "ember_over_torch": round(ev / tv, 3) if ok else None})
    print(f"{'workload':<20} {'ember':>12} {'torch':>12} {'ember/torch':>12}")
    for r in rows:
        fmt = lambda v: f"{v:12.4f}" if isinstance(v, (int, float)) else f"{'-':>12}"
        ratio = f"{r['ember_over_torch']:12.3f}" if r["ember_over_torch"] is not None else f"{'-':>12}"
        print(f"{r['name']:<20} {fmt(r['ember'])} {fmt(r['torch'])} {ratio}  {r['unit']}")
    with open(out_path, "w") as f:
        json.dump({"workloads": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "--compare":
        sys.exit(compare(args[1], args[2], args[3]))
    if len(args) in (1, 2) and not args[0].startswith("--"):
        sys.exit(bench(args[0], len(args) == 2 and args[1] == "--quick"))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
