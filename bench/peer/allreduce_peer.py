"""PyTorch's side of bench/allreduce.sh: torch.distributed Gloo all_reduce of one N-float buffer over
`world` local processes (median of iters after a warm-up). Prints "key<TAB>value" lines from rank 0."""
import argparse, os, statistics, time
import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def worker(rank, world, port, floats, iters, q):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    t = torch.rand(floats)
    dist.all_reduce(t)
    times = []
    for _ in range(iters):
        dist.barrier()
        s = time.perf_counter()
        dist.all_reduce(t)
        times.append((time.perf_counter() - s) * 1000)
    if rank == 0:
        q.put(statistics.median(times))
    dist.destroy_process_group()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--nproc", type=int, default=2)
    ap.add_argument("--floats", type=int, default=49_000_000)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--port", type=int, default=29533)
    a = ap.parse_args()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    mp.spawn(worker, args=(a.nproc, a.port, a.floats, a.iters, q), nprocs=a.nproc)
    ms = q.get()
    print(f"flat_ms\t{ms:.0f}")
    print(f"flat_GBps\t{a.floats * 4 / (ms / 1000) / 1e9:.2f}")
