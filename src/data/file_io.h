#pragma once
// Small, checked file primitives shared by every reader and writer in data/ (IDX, safetensors,
// npy, PNG). They exist so that each format's code only says *what* it reads or writes, and the
// rules of DESIGN.md section 7 are enforced in one place:
//   * every failure is an ember::IOError that names the path and what went wrong (with errno text);
//   * a reader knows the file's exact size up front, so a format can check a header's claims
//     against it before allocating or reading anything;
//   * a writer never touches `path` until the new content is complete and on disk: it writes
//     `path.tmp-<pid>-<n>`, fsyncs it, and renames it over `path` (rename is atomic on POSIX), so a
//     crash or an exception leaves either the old file or the new one, never a mix.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace ember::data::detail {

// A regular file opened for reading, with its size known; or a buffer in memory read the same way
// (the in-memory entry points of the readers, see readers.h, use it so that a buffer goes through
// exactly the checks a file does).
class FileReader {
public:
    // `what` names the kind of file in error messages ("IDX file", "safetensors file", ...).
    FileReader(const std::string& path, const char* what);
    // Reads the `size` bytes at `data` (not copied: they must outlive the reader); `name` stands for
    // the path in error messages.
    FileReader(const void* data, uint64_t size, const std::string& name, const char* what);
    ~FileReader();
    FileReader(const FileReader&) = delete;
    FileReader& operator=(const FileReader&) = delete;

    uint64_t size() const { return size_; }
    uint64_t position() const { return pos_; }
    const std::string& path() const { return path_; }
    // Reads exactly n bytes at the current position or throws IOError saying that the file ended
    // early while reading `field`.
    void read_exact(void* dst, uint64_t n, const char* field);
    // Reads up to n bytes; returns how many were read (less than n only at end of file).
    uint64_t read_some(void* dst, uint64_t n);
    void seek(uint64_t offset);
    [[noreturn]] void fail(const std::string& message) const;

private:
    std::string path_;
    const char* what_;
    std::FILE* file_ = nullptr;  // null when reading from memory
    const unsigned char* memory_ = nullptr;
    uint64_t size_ = 0;
    uint64_t pos_ = 0;
};

// The sink handed to the body of write_file_atomically.
class FileWriter {
public:
    FileWriter(int fd, const std::string& final_path) : fd_(fd), path_(final_path) {}
    // Writes all n bytes (retrying short writes and EINTR) or throws IOError.
    void write(const void* data, uint64_t n);

private:
    int fd_;
    const std::string& path_;
};

// Creates `path` with the content that `body` writes, atomically (see the top of this file).
// `what` names the kind of file in error messages. If `body` throws, the temporary file is removed
// and the exception propagates unchanged; any I/O failure throws IOError. An existing file at
// `path` is untouched unless the whole write succeeded.
void write_file_atomically(const std::string& path, const char* what, const std::function<void(FileWriter&)>& body);

// The byte size of a contiguous tensor of `shape` with `element_size`-byte elements, or false when
// the shape cannot be a tensor: a negative size, or a byte size or contiguous stride that overflows
// int64. The strides count zero sizes as 1 (as contiguous_strides does), so shape (0, 2^40, 2^40)
// is refused although it holds no bytes. Every reader checks a file's shape with this before
// allocating.
bool shape_nbytes(const int64_t* shape, std::size_t ndim, int64_t element_size, int64_t& nbytes);

// "No such file or directory" for the current errno.
std::string errno_text();

}  // namespace ember::data::detail
