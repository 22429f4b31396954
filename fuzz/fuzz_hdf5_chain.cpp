// libFuzzer target: ensemble chain files (emcee's HDF5 layout). The bytes are written to a file of this process in
// /dev/shm (HDF5 reads files) and read with read_chain_file. Build: fuzz/README.md.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "flowprior/core/error.hpp"
#include "flowprior/sampler/hdf_backend.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = "/dev/shm/flowprior-fuzz-" + std::to_string(::getpid()) + ".h5";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const flowprior::ChainFile c = flowprior::read_chain_file(path);
    (void)c.chain.positions.sum();
  } catch (const flowprior::Error&) {
  }
  std::remove(path.c_str());
  return 0;
}
