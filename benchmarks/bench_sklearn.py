#!/usr/bin/python3
"""scikit-learn's side of the RBM workload: BernoulliRBM(n_components=500, batch_size=100, n_iter=1).fit
on the Fashion-MNIST training images (float32 in [0, 1], the file ember's data loader reads), or on
random binary data of the same shape when they are not installed. One repetition per process:

    /usr/bin/python3 bench_sklearn.py rbm [rows=N] [warmup_rows=N] [hidden=H] [batch=B] [threads=T]

Thread count: the driver sets OMP_NUM_THREADS / OPENBLAS_NUM_THREADS before this starts (numpy's
BLAS reads them at import); threadpoolctl, when present, enforces it as well.
Prints one line  RESULT {json}  like the C++ programs (see bench_common.h).
"""
import gzip
import json
import os
import sys
import time


def peak_rss_kb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def load_images(root, np):
    for name in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"):
        path = os.path.join(root, name)
        if not os.path.exists(path):
            continue
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rb") as f:
            data = f.read()
        magic, rows, h, w = (int.from_bytes(data[i:i + 4], "big") for i in range(0, 16, 4))
        if magic != 0x0803:
            return None
        return np.frombuffer(data, dtype=np.uint8, count=rows * h * w, offset=16).reshape(rows, h * w)
    return None


def main():
    if len(sys.argv) < 2 or sys.argv[1] != "rbm":
        print("usage: bench_sklearn.py rbm [key=value ...]", file=sys.stderr)
        return 2
    args = dict(a.split("=", 1) for a in sys.argv[2:])
    threads = int(args.get("threads", os.environ.get("OMP_NUM_THREADS", "1")))
    rows = int(args.get("rows", 0))
    warmup_rows = int(args.get("warmup_rows", 1000))
    hidden = int(args.get("hidden", 500))
    batch = int(args.get("batch", 100))
    root = args.get("data", "/usr/share/datasets/fashion-mnist")

    import numpy as np
    import sklearn
    from sklearn.neural_network import BernoulliRBM
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=threads)
    except ImportError:
        limiter = None

    images = load_images(root, np)
    if images is not None:
        X = images.astype(np.float32) / np.float32(255)
        source = "fashion-mnist"
    else:
        X = np.random.RandomState(1).binomial(1, 0.5, size=(60000, 784)).astype(np.float32)
        source = "random-binary"
    del images
    if 0 < rows < X.shape[0]:
        X = np.ascontiguousarray(X[:rows])

    BernoulliRBM(n_components=hidden, batch_size=batch, n_iter=1, random_state=0).fit(X[:warmup_rows])
    model = BernoulliRBM(n_components=hidden, batch_size=batch, n_iter=1, learning_rate=0.1, random_state=0)
    t0 = time.perf_counter()
    model.fit(X)
    seconds = time.perf_counter() - t0
    info = {"data": source, "rows": str(X.shape[0]), "hidden": str(hidden), "version": sklearn.__version__,
            "numpy": np.__version__, "dtype": str(model.components_.dtype)}
    if limiter is not None:
        from threadpoolctl import threadpool_info
        info["threadpools"] = "; ".join("%s %s threads=%s core=%s" % (p.get("internal_api"), p.get("version"),
                                                                     p.get("num_threads"), p.get("architecture"))
                                        for p in threadpool_info())
    out = {"side": "sklearn", "name": "rbm", "unit": "s/epoch", "value": seconds, "higher_is_better": False,
           "threads": threads, "peak_rss_kb": peak_rss_kb(), "samples": [seconds], "info": info}
    print("RESULT " + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
