/// Rotary position embeddings applied in place to head vectors in halves (`rotate_half`):
/// for a head v [d_h] at a position with angles' cos c and sin s [d_h/2],
/// v'[i] = v[i]·c_i − v[i + d_h/2]·s_i and v'[i + d_h/2] = v[i + d_h/2]·c_i + v[i]·s_i.
public enum RotaryKernel {
    /// Rotates `heads` consecutive heads of width `headDim` starting at x in each of `rows` rows
    /// (row stride `ldx`); row r uses cos[r·d_h/2 ..< (r+1)·d_h/2] and the same of sin.
    public static func rotate(_ x: UnsafeMutablePointer<Float>, rows: Int, ldx: Int, heads: Int, headDim: Int,
                              cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        let half = headDim / 2
        for r in 0..<rows {
            let c = cos + r * half, s = sin + r * half
            for h in 0..<heads {
                let v = x + r * ldx + h * headDim
                for i in 0..<half {
                    let a = v[i], b = v[i + half]
                    v[i] = a * c[i] - b * s[i]
                    v[i + half] = b * c[i] + a * s[i]
                }
            }
        }
    }
}
