#pragma once
// A vector with inline storage for the first N elements. Shapes and strides of almost every tensor
// have at most 6 dims, so building a tensor never touches the heap for its metadata.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <new>
#include <ostream>
#include <type_traits>
#include <vector>

namespace ember {

template <typename T, std::size_t N>
class SmallVector {
    static_assert(std::is_trivially_copyable_v<T>, "SmallVector holds trivially copyable values only");

public:
    using value_type = T;
    using iterator = T*;
    using const_iterator = const T*;

    // User-provided so that value-initialisation (`Shape()`, or a containing object made by
    // make_shared) does not zero the inline buffer: only the first size() entries are ever read.
    SmallVector() noexcept {}
    explicit SmallVector(std::size_t n, T value = T()) { assign(n, value); }
    SmallVector(std::initializer_list<T> init) { assign(init.begin(), init.end()); }
    template <typename It, typename = decltype(*std::declval<It>())>
    SmallVector(It first, It last) {
        assign(first, last);
    }
    SmallVector(const std::vector<T>& v) { assign(v.begin(), v.end()); }
    SmallVector(const SmallVector& o) { assign(o.begin(), o.end()); }
    SmallVector(SmallVector&& o) noexcept { steal(o); }
    SmallVector& operator=(const SmallVector& o) {
        if (this != &o) assign(o.begin(), o.end());
        return *this;
    }
    SmallVector& operator=(SmallVector&& o) noexcept {
        if (this != &o) {
            release();
            steal(o);
        }
        return *this;
    }
    ~SmallVector() { release(); }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    T* data() { return ptr_; }
    const T* data() const { return ptr_; }
    T& operator[](std::size_t i) { return ptr_[i]; }
    const T& operator[](std::size_t i) const { return ptr_[i]; }
    T& back() { return ptr_[size_ - 1]; }
    const T& back() const { return ptr_[size_ - 1]; }
    T* begin() { return ptr_; }
    T* end() { return ptr_ + size_; }
    const T* begin() const { return ptr_; }
    const T* end() const { return ptr_ + size_; }

    void reserve(std::size_t cap) {
        if (cap <= cap_) return;
        T* fresh = static_cast<T*>(std::malloc(cap * sizeof(T)));
        if (!fresh) throw std::bad_alloc();
        if (size_) std::memcpy(fresh, ptr_, size_ * sizeof(T));
        if (ptr_ != inline_) std::free(ptr_);
        ptr_ = fresh;
        cap_ = cap;
    }
    void push_back(T v) {
        if (size_ == cap_) reserve(cap_ * 2);
        ptr_[size_++] = v;
    }
    void pop_back() { --size_; }
    void resize(std::size_t n, T value = T()) {
        reserve(n);
        for (std::size_t i = size_; i < n; ++i) ptr_[i] = value;
        size_ = n;
    }
    void clear() { size_ = 0; }
    void assign(std::size_t n, T value) {
        size_ = 0;
        resize(n, value);
    }
    template <typename It>
    void assign(It first, It last) {
        std::size_t n = static_cast<std::size_t>(std::distance(first, last));
        size_ = 0;
        reserve(n);
        std::size_t i = 0;
        for (; first != last; ++first) ptr_[i++] = static_cast<T>(*first);
        size_ = n;
    }
    void insert(T* pos, T v) {
        std::size_t idx = static_cast<std::size_t>(pos - ptr_);
        push_back(v);
        for (std::size_t i = size_ - 1; i > idx; --i) ptr_[i] = ptr_[i - 1];
        ptr_[idx] = v;
    }
    void erase(T* pos) {
        for (T* p = pos; p + 1 < end(); ++p) *p = *(p + 1);
        --size_;
    }
    std::vector<T> vec() const { return std::vector<T>(begin(), end()); }

    friend bool operator==(const SmallVector& a, const SmallVector& b) {
        return a.size_ == b.size_ && std::equal(a.begin(), a.end(), b.begin());
    }

private:
    void release() {
        if (ptr_ != inline_) std::free(ptr_);
        ptr_ = inline_;
        cap_ = N;
        size_ = 0;
    }
    void steal(SmallVector& o) {
        if (o.ptr_ == o.inline_) {
            ptr_ = inline_;
            cap_ = N;
            size_ = o.size_;
            std::memcpy(inline_, o.inline_, o.size_ * sizeof(T));
        } else {
            ptr_ = o.ptr_;
            cap_ = o.cap_;
            size_ = o.size_;
            o.ptr_ = o.inline_;
            o.cap_ = N;
        }
        o.size_ = 0;
    }

    T inline_[N];
    T* ptr_ = inline_;
    std::size_t size_ = 0;
    std::size_t cap_ = N;
};

// A non-owning view of a contiguous run of values: what functions taking a shape accept, so that
// `{2, 3}`, a std::vector and a Shape all work as arguments.
template <typename T>
class ArrayRef {
public:
    ArrayRef() = default;
    ArrayRef(const T* data, std::size_t size) : data_(data), size_(size) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
#endif
    // Valid for the full expression that created the list: the argument of a call, as intended.
    ArrayRef(std::initializer_list<T> init) : data_(init.begin()), size_(init.size()) {}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
    ArrayRef(const std::vector<T>& v) : data_(v.data()), size_(v.size()) {}
    template <std::size_t N>
    ArrayRef(const SmallVector<T, N>& v) : data_(v.data()), size_(v.size()) {}
    ArrayRef(const T& single) : data_(&single), size_(1) {}

    const T* data() const { return data_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const T& operator[](std::size_t i) const { return data_[i]; }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + size_; }
    const T& back() const { return data_[size_ - 1]; }
    std::vector<T> vec() const { return std::vector<T>(begin(), end()); }
    friend bool operator==(ArrayRef a, ArrayRef b) {
        // A plain loop: shapes have a handful of entries, and std::equal would call memcmp.
        if (a.size_ != b.size_) return false;
        for (std::size_t i = 0; i < a.size_; ++i)
            if (a.data_[i] != b.data_[i]) return false;
        return true;
    }
    // "[2, 3]", as libtorch prints `t.sizes()`.
    friend std::ostream& operator<<(std::ostream& os, ArrayRef a) {
        os << '[';
        for (std::size_t i = 0; i < a.size_; ++i) os << (i ? ", " : "") << a.data_[i];
        return os << ']';
    }

private:
    const T* data_ = nullptr;
    std::size_t size_ = 0;
};

using Shape = SmallVector<int64_t, 6>;
using IntArrayRef = ArrayRef<int64_t>;

}  // namespace ember
