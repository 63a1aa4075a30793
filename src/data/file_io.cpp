#include "data/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ember/tensor/error.h"

namespace ember::data::detail {

std::string errno_text() { return std::strerror(errno); }

FileReader::FileReader(const std::string& path, const char* what) : path_(path), what_(what) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw IOError(str_cat("cannot open ", what, " '", path, "' for reading: ", errno_text()));
    struct stat st {};
    if (::fstat(fileno(file_), &st) != 0) {
        std::string err = errno_text();
        std::fclose(file_);
        throw IOError(str_cat("cannot stat ", what, " '", path, "': ", err));
    }
    // fopen succeeds on a directory on Linux and a FIFO has no size; only a regular file has the
    // known, fixed size that every format check below relies on.
    if (!S_ISREG(st.st_mode)) {
        std::fclose(file_);
        throw IOError(str_cat("cannot read ", what, " '", path, "': not a regular file"));
    }
    size_ = static_cast<uint64_t>(st.st_size);
}

FileReader::FileReader(const void* data, uint64_t size, const std::string& name, const char* what)
    : path_(name), what_(what), memory_(static_cast<const unsigned char*>(data)), size_(size) {
    if (!memory_ && size_ != 0) throw IOError(str_cat("cannot read ", what, " '", name, "': null buffer"));
}

FileReader::~FileReader() {
    if (file_) std::fclose(file_);
}

void FileReader::fail(const std::string& message) const {
    throw IOError(str_cat("invalid ", what_, " '", path_, "': ", message));
}

uint64_t FileReader::read_some(void* dst, uint64_t n) {
    if (!file_) {
        const uint64_t got = std::min(n, size_ - pos_);
        if (got) std::memcpy(dst, memory_ + pos_, static_cast<std::size_t>(got));
        pos_ += got;
        return got;
    }
    uint64_t got = 0;
    auto* out = static_cast<unsigned char*>(dst);
    while (got < n) {
        std::size_t r = std::fread(out + got, 1, static_cast<std::size_t>(n - got), file_);
        if (r == 0) {
            if (std::ferror(file_)) throw IOError(str_cat("error reading ", what_, " '", path_, "': ", errno_text()));
            break;
        }
        got += r;
    }
    pos_ += got;
    return got;
}

void FileReader::read_exact(void* dst, uint64_t n, const char* field) {
    if (n == 0) return;
    uint64_t got = read_some(dst, n);
    if (got != n)
        fail(str_cat("the file is truncated: it ends after ", pos_, " bytes while reading ", field, " (", n,
                     " bytes needed at offset ", pos_ - got, ", file size ", size_, ")"));
}

void FileReader::seek(uint64_t offset) {
    if (offset > size_ || (file_ && ::fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0))
        fail(str_cat("cannot seek to offset ", offset, " (file size ", size_, ")"));
    pos_ = offset;
}

bool shape_nbytes(const int64_t* shape, std::size_t ndim, int64_t element_size, int64_t& nbytes) {
    int64_t bytes = element_size, extent = element_size;
    for (std::size_t i = 0; i < ndim; ++i) {
        if (shape[i] < 0 || __builtin_mul_overflow(bytes, shape[i], &bytes) ||
            __builtin_mul_overflow(extent, std::max<int64_t>(shape[i], 1), &extent))
            return false;
    }
    nbytes = bytes;
    return true;
}

void FileWriter::write(const void* data, uint64_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    uint64_t left = n;
    while (left > 0) {
        ssize_t w = ::write(fd_, p, static_cast<std::size_t>(std::min<uint64_t>(left, 1u << 30)));
        if (w < 0) {
            if (errno == EINTR) continue;
            throw IOError(str_cat("error writing '", path_, "': ", errno_text()));
        }
        p += w;
        left -= static_cast<uint64_t>(w);
    }
}

namespace {

// Removes the temporary file on every exit path except a successful rename.
struct TempFile {
    std::string path;
    int fd = -1;
    bool keep = false;
    ~TempFile() {
        if (fd >= 0) ::close(fd);
        if (!keep) ::unlink(path.c_str());
    }
};

}  // namespace

void write_file_atomically(const std::string& path, const char* what, const std::function<void(FileWriter&)>& body) {
    if (path.empty()) throw IOError(str_cat("cannot write ", what, ": empty path"));
    // The pid keeps two processes apart, the counter two threads of one process.
    static std::atomic<uint64_t> counter{0};
    TempFile tmp;
    tmp.path = str_cat(path, ".tmp-", ::getpid(), "-", counter.fetch_add(1));
    tmp.fd = ::open(tmp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (tmp.fd < 0) {
        std::string err = errno_text();
        tmp.keep = true;  // nothing was created (O_EXCL): do not unlink someone else's file
        throw IOError(
            str_cat("cannot write ", what, " '", path, "': cannot create temporary file '", tmp.path, "': ", err));
    }
    FileWriter writer(tmp.fd, path);
    body(writer);
    // fsync before rename: otherwise a crash shortly after the rename can leave a renamed file whose
    // data blocks never reached the disk, i.e. an empty or partial file where the good one was.
    if (::fsync(tmp.fd) != 0)
        throw IOError(str_cat("cannot write ", what, " '", path, "': fsync failed: ", errno_text()));
    int fd = tmp.fd;
    tmp.fd = -1;
    if (::close(fd) != 0) throw IOError(str_cat("cannot write ", what, " '", path, "': close failed: ", errno_text()));
    if (std::rename(tmp.path.c_str(), path.c_str()) != 0)
        throw IOError(
            str_cat("cannot write ", what, " '", path, "': cannot rename '", tmp.path, "' into place: ", errno_text()));
    tmp.keep = true;
    // Make the rename itself durable. Best effort: some filesystems refuse fsync on a directory, and
    // the data is already complete under its final name.
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
}

}  // namespace ember::data::detail
