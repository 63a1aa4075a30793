// Built only when ember has no MPI: the distributed API must say so clearly, and the collective
// tests are reported as skipped (the "SKIPPED:" line).
#include <cstdio>
#include <string>

#include "ember/ember.h"

int main() {
    namespace dist = ember::distributed;
    if (dist::is_mpi_available()) {
        std::printf("FAILED: is_mpi_available() is true in a build without MPI\n");
        return 1;
    }
    try {
        dist::init_process_group("mpi");
        std::printf("FAILED: init_process_group(\"mpi\") did not throw\n");
        return 1;
    } catch (const ember::NotImplementedError& e) {
        if (std::string(e.what()).find("ember was built without MPI") == std::string::npos) {
            std::printf("FAILED: unclear message: %s\n", e.what());
            return 1;
        }
    }
    // DistributedDataParallel is built too; without a process group it says how to get one.
    try {
        ember::nn::parallel::DistributedDataParallel ddp(ember::nn::Linear(2, 2));
        std::printf("FAILED: DistributedDataParallel without a process group did not throw\n");
        return 1;
    } catch (const ember::Error& e) {
        if (std::string(e.what()).find("init_process_group") == std::string::npos) {
            std::printf("FAILED: unclear message: %s\n", e.what());
            return 1;
        }
    }
    std::printf(
        "SKIPPED: ember was built without MPI (install libopenmpi-dev openmpi-bin); init_process_group "
        "says so\n");
    return 0;
}
