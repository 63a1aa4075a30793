// One rank throws an exception nobody catches while the others wait in a barrier. Without the
// terminate handler that calls MPI_Abort, the others would wait forever; with it, mpiexec ends
// the whole job non-zero and the message names the failed rank (expect_rank_failure.sh checks).
#include <stdexcept>

#include "ember/distributed/distributed.h"

int main() {
    namespace dist = ember::distributed;
    dist::init_process_group("mpi");
    if (dist::rank() == 1) throw std::runtime_error("deliberate failure on rank 1 before the barrier");
    dist::barrier();  // never completes: rank 1 is gone
    dist::barrier();
    return 0;
}
