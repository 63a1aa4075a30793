// Rank 1 is alive but never joins the barrier (it sleeps far past the group's 2 s timeout). The
// other ranks' watchdogs must end the job, naming their rank and the collective, long before rank
// 1 would wake (expect_rank_failure.sh checks the time, the status and the message).
#include <chrono>
#include <thread>

#include "ember/distributed/distributed.h"

int main() {
    namespace dist = ember::distributed;
    dist::init_process_group("mpi", std::chrono::seconds(2));
    if (dist::rank() == 1) std::this_thread::sleep_for(std::chrono::seconds(120));
    dist::barrier();
    dist::destroy_process_group();
    return 0;
}
