import CBLAS

/// Row-major single-precision matrix products through OpenBLAS: `C = alpha · op(A) · op(B) + beta · C`,
/// where `op` transposes when asked. Leading dimensions are the row strides of the buffers as stored.
@inline(__always)
func gemm(_ transposeA: Bool, _ transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
          _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
          beta: Float = 0, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Sets the number of threads OpenBLAS uses. Training splits batches over its own threads and keeps
/// OpenBLAS at one: OpenBLAS's idle threads spin between calls and would take the cores the
/// element-wise work needs.
public func setMatrixThreads(_ threads: Int) {
    openblas_set_num_threads(Int32(threads))
}

/// A buffer of floats owned by a class, so that layers can share raw pointers into it.
public final class FloatBuffer {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
