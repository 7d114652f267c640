// c10d process groups for data-parallel training: TCPStore rendezvous, ProcessGroupGloo (CPU, and CUDA
// tensors through host copies), ProcessGroupNCCL when the shim is built against a CUDA libtorch.
// Collectives are synchronous here: each export issues the work and waits for it with the group's
// timeout, so a dead peer surfaces as an error naming the rank and operation instead of a hang.
#define USE_C10D_GLOO 1
#include <chrono>
#include <cstdlib>
#include <vector>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include "common.h"

struct sa_pg_s {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroup> pg;
  std::string backend;
  int rank = 0;
  int world = 1;
  std::chrono::milliseconds timeout{0};
};

namespace {

// Prefixes every failure with the rank and the operation, so the launcher's log names who failed where.
[[noreturn]] void rethrow(int rank, const char* what, const std::string& msg) {
  throw std::runtime_error("c10d rank " + std::to_string(rank) + " " + what + ": " + msg);
}

template <class F>
void guarded(int rank, const char* what, F&& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    rethrow(rank, what, e.what_without_backtrace());
  } catch (const std::exception& e) {
    rethrow(rank, what, e.what());
  }
}

// Gloo's TCP device binds a local address: GLOO_SOCKET_IFNAME when set (as in PyTorch), the loopback
// interface when the master is on this host's loopback, otherwise the address this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  if (master == "localhost" || master.rfind("127.", 0) == 0 || master == "::1")
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

std::vector<at::Tensor> tensors_of(sa_tensor** ts, int n) {
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    TORCH_CHECK(ts[i] != nullptr, "tensor ", i, " is null");
    TORCH_CHECK(ts[i]->t.is_contiguous(), "tensor ", i, " is not contiguous");
    out.push_back(ts[i]->t);
  }
  return out;
}

// Issues one collective per tensor, then waits for all of them with the group's timeout. One per tensor
// because a c10d tensor list means one tensor per device, not several tensors; all are in flight before the
// first wait. Callers bucket small tensors first.
template <class Issue>
void per_tensor(sa_pg* pg, sa_tensor** tensors, int n, Issue&& issue) {
  auto ts = tensors_of(tensors, n);
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  works.reserve(ts.size());
  for (auto& t : ts) {
    std::vector<at::Tensor> one{t};
    works.push_back(issue(one));
  }
  for (auto& w : works) w->wait(pg->timeout);
}

// The body of every collective export: a null group is refused, failures name the rank and the operation,
// and no exception crosses the ABI (0 = done, -1 = failed, message in sa_last_error).
template <class F>
int collective(sa_pg* pg, const std::string& what, F&& body) {
  SA_TRY
  TORCH_CHECK(pg, "process group is null");
  guarded(pg->rank, what.c_str(), std::forward<F>(body));
  return 0;
  SA_CATCH(-1)
}

}  // namespace

extern "C" {

sa_pg* sa_pg_new(const char* backend, const char* master_addr, int master_port, int rank, int world_size,
                        int64_t timeout_ms) {
  SA_TRY
  TORCH_CHECK(backend && master_addr, "backend and master address are required");
  TORCH_CHECK(world_size >= 1 && rank >= 0 && rank < world_size, "rank ", rank, " outside world size ", world_size);
  TORCH_CHECK(master_port > 0 && master_port < 65536, "master port ", master_port, " outside 1..65535");
  TORCH_CHECK(timeout_ms > 0, "timeout must be positive");
  auto pg = std::make_unique<sa_pg_s>();
  pg->backend = backend;
  pg->rank = rank;
  pg->world = world_size;
  pg->timeout = std::chrono::milliseconds(timeout_ms);
  std::string master(master_addr);
  guarded(rank, ("rendezvous at " + master + ":" + std::to_string(master_port)).c_str(), [&] {
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<std::uint16_t>(master_port);
    opts.isServer = rank == 0;
    opts.numWorkers = static_cast<std::size_t>(world_size);
    opts.waitWorkers = true;
    opts.timeout = pg->timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(master, opts);
    // The prefix leaves room for more groups over the same store (as torch.distributed does).
    pg->store = c10::make_intrusive<c10d::PrefixStore>("sharpasr/" + pg->backend, tcp);
  });
  guarded(rank, ("creating the " + pg->backend + " process group").c_str(), [&] {
    if (pg->backend == "gloo") {
      auto opts = c10d::ProcessGroupGloo::Options::create(pg->timeout);
      opts->devices.push_back(gloo_device(master));
      opts->threads = 2;
      pg->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(pg->store, rank, world_size, opts);
    } else if (pg->backend == "nccl") {
#ifdef USE_C10D_NCCL
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = pg->timeout;
      pg->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(pg->store, rank, world_size, opts);
#else
      TORCH_CHECK(false, "this shim was built without NCCL (build it against a CUDA libtorch; see README)");
#endif
    } else {
      TORCH_CHECK(false, "unknown backend '", pg->backend, "': use gloo or nccl");
    }
  });
  return pg.release();
  SA_CATCH(nullptr)
}

void sa_pg_free(sa_pg* pg) { delete pg; }

int sa_pg_rank(sa_pg* pg) { return pg ? pg->rank : -1; }
int sa_pg_world_size(sa_pg* pg) { return pg ? pg->world : -1; }

int sa_pg_all_reduce(sa_pg* pg, sa_tensor** tensors, int n, int op) {
  return collective(pg, "all_reduce", [&] {
    TORCH_CHECK(op >= 0 && op <= 3, "reduce op ", op, " unknown (0 sum, 1 product, 2 min, 3 max)");
    static const c10d::ReduceOp::RedOpType ops[] = {c10d::ReduceOp::SUM, c10d::ReduceOp::PRODUCT, c10d::ReduceOp::MIN,
                                                   c10d::ReduceOp::MAX};
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp(ops[op]);
    opts.timeout = pg->timeout;
    per_tensor(pg, tensors, n, [&](std::vector<at::Tensor>& one) { return pg->pg->allreduce(one, opts); });
  });
}

int sa_pg_broadcast(sa_pg* pg, sa_tensor** tensors, int n, int root) {
  return collective(pg, "broadcast from rank " + std::to_string(root), [&] {
    TORCH_CHECK(root >= 0 && root < pg->world, "root ", root, " outside world size ", pg->world);
    c10d::BroadcastOptions opts;
    opts.rootRank = root;
    opts.timeout = pg->timeout;
    per_tensor(pg, tensors, n, [&](std::vector<at::Tensor>& one) { return pg->pg->broadcast(one, opts); });
  });
}

int sa_pg_barrier(sa_pg* pg) {
  return collective(pg, "barrier", [&] {
    c10d::BarrierOptions opts;
    opts.timeout = pg->timeout;
    pg->pg->barrier(opts)->wait(pg->timeout);
  });
}

}  // extern "C"
