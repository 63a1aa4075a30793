#pragma once
// Training checkpoints: one file from which a killed training run resumes and ends with the very
// parameters, bit for bit, that the run would have reached uninterrupted (docs/checkpoints.md).
//
//   ember::TrainingState s{epoch, step};           // where the loop is
//   s.epoch_rng_state = rng_before_the_shuffle;    // only if the shuffle draws from ember's generator
//   ember::save_checkpoint("run.ckpt", model, optimizer, s);
//   ...
//   ember::TrainingState s = ember::load_checkpoint("run.ckpt", model, optimizer);
//   // re-create the epoch's order, skip s.step batches, then ember::set_rng_state(s.rng_state)
//
// A checkpoint is one safetensors file, written atomically (a temporary file, fsynced, renamed
// over `path`): a crash while writing leaves the previous checkpoint in place, never a torn one.
// It holds the module's state dict, the optimizer's state (optional), the loop's position
// (epoch, step, the epoch's sample order), the global generator's state (ember::get_rng_state)
// at the checkpoint and, optionally, before the epoch's shuffle, the caller's own tensors, and
// metadata: a format version, a fingerprint of the model's entry names and shapes, and the world
// size of the run. In a distributed run every rank holds the same model and optimizer state, so
// only rank 0 should call save_checkpoint (`if (rank() == 0) save_checkpoint(...)`), with
// state.world_size = world_size(); every rank loads the file.
#include <cstdint>
#include <map>
#include <string>

#include "ember/nn/module.h"
#include "ember/nn/optim/optimizer.h"

namespace ember {

// The version save_checkpoint writes; load_checkpoint reads only this one.
constexpr int64_t kCheckpointVersion = 1;

// Where a training loop stands, besides its model and optimizer.
struct TrainingState {
    int64_t epoch = 0;  // the epoch in progress, in the loop's own counting
    int64_t step = 0;   // batches of that epoch already done (their optimizer steps taken)
    // Optional: the epoch's sample order (e.g. tensor(loader.epoch_order(epoch))), the sampler's
    // position being `step` batches into it. A resumed run compares its own order with it, so a
    // changed seed or data set is found instead of silently training on other batches.
    Tensor order;
    // Optional: ember::get_rng_state() just before the epoch's shuffle was drawn, for a loop whose
    // shuffle draws from the global generator (samplers::RandomSampler, RBM::fit). A resumed run
    // sets it, draws the shuffle again (the same permutation) and skips `step` batches.
    Tensor epoch_rng_state;
    // ember::get_rng_state() at the checkpoint; save_checkpoint takes it itself when left
    // undefined. A resumed run sets it (set_rng_state) once it is back at batch `step`, so dropout
    // and sampling draw what the uninterrupted run drew.
    Tensor rng_state;
    // The number of processes of the run (1 without ember::distributed). Loading into a run of
    // another size is an error: its data shards and random streams would differ.
    int64_t world_size = 1;
    // The caller's own entries (PCD chains, running metrics, a scheduler's counter), any tensors.
    std::map<std::string, Tensor> extra;
};

// Writes `path` atomically. `optimizer` may be null (a loop without one, or one saved elsewhere).
void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer* optimizer,
                     const TrainingState& state);
inline void save_checkpoint(const std::string& path, const nn::Module& model, const optim::Optimizer& optimizer,
                            const TrainingState& state) {
    save_checkpoint(path, model, &optimizer, state);
}

// Reads and checks the whole file, then loads the model's state dict and (when `optimizer` is not
// null) the optimizer's state, and returns the loop's state. It changes nothing and throws
//   IOError     for a file that cannot be read, is truncated or is not a safetensors file;
//   ValueError  for a file of another format or version, a checkpoint of another model (its first
//               differing entry named), of another optimizer, or of a run whose world size is not
//               `world_size`, and for a missing optimizer state when `optimizer` is given.
// It does not touch the global generator: the caller sets state.rng_state when its loop is back
// at the checkpoint's batch.
TrainingState load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer* optimizer,
                              int64_t world_size = 1);
inline TrainingState load_checkpoint(const std::string& path, nn::Module& model, optim::Optimizer& optimizer,
                                     int64_t world_size = 1) {
    return load_checkpoint(path, model, &optimizer, world_size);
}

// Loads only the optimizer's state from a checkpoint (after load_checkpoint(path, model, nullptr),
// for a loop that makes its optimizer later, as RBM::fit does), with the same checks.
void load_checkpoint_optimizer(const std::string& path, optim::Optimizer& optimizer);

// The fingerprint save_checkpoint records: a 64-bit FNV-1a hash, in hex, of the module's state
// dict entry names, dtypes and shapes in order. Equal fingerprints: the same architecture.
std::string model_fingerprint(const nn::Module& model);

template <typename C>
void save_checkpoint(const std::string& path, const nn::ModuleHolder<C>& model, const optim::Optimizer* optimizer,
                     const TrainingState& state) {
    save_checkpoint(path, *model, optimizer, state);
}
template <typename C>
void save_checkpoint(const std::string& path, const nn::ModuleHolder<C>& model, const optim::Optimizer& optimizer,
                     const TrainingState& state) {
    save_checkpoint(path, *model, &optimizer, state);
}
template <typename C>
TrainingState load_checkpoint(const std::string& path, nn::ModuleHolder<C>& model, optim::Optimizer* optimizer,
                              int64_t world_size = 1) {
    return load_checkpoint(path, *model, optimizer, world_size);
}
template <typename C>
TrainingState load_checkpoint(const std::string& path, nn::ModuleHolder<C>& model, optim::Optimizer& optimizer,
                              int64_t world_size = 1) {
    return load_checkpoint(path, *model, &optimizer, world_size);
}

}  // namespace ember
