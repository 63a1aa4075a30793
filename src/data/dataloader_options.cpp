// Checks of the options of make_data_loader's loaders (see include/ember/data/dataloader/stateless.h).
#include "ember/data/dataloader/stateless.h"

namespace ember::data::detail {

FullDataLoaderOptions checked_loader_options(const DataLoaderOptions& options) {
    // A negative value wrapped around in the size_t: shown as the int64_t the caller wrote.
    const auto shown = [](size_t v) { return static_cast<int64_t>(v); };
    EMBER_ENFORCE(options.batch_size() >= 1 && shown(options.batch_size()) > 0, ValueError,
                  "make_data_loader: batch_size must be >= 1, got ", shown(options.batch_size()));
    EMBER_ENFORCE(!options.shuffle() && options.seed() == 0, ValueError,
                  "make_data_loader: shuffle and seed are options of ember::data::DataLoader only; a loader made by "
                  "make_data_loader visits the data in its sampler's order (RandomSampler: shuffled from "
                  "ember::manual_seed)");
    FullDataLoaderOptions full(options);
    // With workers and no job, nothing would ever be fetched: every epoch would look empty.
    EMBER_ENFORCE(full.workers == 0 || full.max_jobs >= 1, ValueError, "make_data_loader: max_jobs must be >= 1 with ",
                  full.workers, " workers, got ", shown(full.max_jobs));
    EMBER_ENFORCE(!full.timeout || full.timeout->count() > 0, ValueError,
                  "make_data_loader: timeout must be positive, got ", full.timeout ? full.timeout->count() : 0, " ms");
    return full;
}

}  // namespace ember::data::detail
