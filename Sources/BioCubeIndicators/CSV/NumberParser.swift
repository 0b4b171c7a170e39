#if canImport(Glibc)
import Glibc
#endif

/// Decimal number parsing from bytes: Clinger's exact fast path for the common case
/// (≤ 19 significant digits, power of ten ≤ 22), `strtod` otherwise, so every result is the
/// correctly rounded double.
enum NumberParser {
    private static let powers: [Double] = (0...22).map { Double("1e\($0)")! }

    static func parse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start, e = end
        while i < e, b[i] == 32 || b[i] == 9 { i += 1 }
        while e > i, b[e - 1] == 32 || b[e - 1] == 9 { e -= 1 }
        guard i < e else { return nil }
        var negative = false
        if b[i] == 45 || b[i] == 43 { negative = b[i] == 45; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, exponent = 0
        var sawDigit = false, sawDot = false
        while i < e {
            let c = b[i]
            if c >= 48 && c <= 57 {
                sawDigit = true
                if mantissa == 0 && c == 48 { if sawDot { exponent -= 1 } }
                else if digits < 19 { mantissa = mantissa * 10 + UInt64(c - 48); digits += 1; if sawDot { exponent -= 1 } }
                else { if !sawDot { exponent += 1 } ; return slow(b, start, end) }
            } else if c == 46 && !sawDot {
                sawDot = true
            } else {
                break
            }
            i += 1
        }
        if i < e, b[i] == 101 || b[i] == 69 {  // e / E
            i += 1
            var expNegative = false
            if i < e, b[i] == 45 || b[i] == 43 { expNegative = b[i] == 45; i += 1 }
            var x = 0, expDigits = 0
            while i < e, b[i] >= 48, b[i] <= 57 { x = min(x * 10 + Int(b[i] - 48), 100_000); i += 1; expDigits += 1 }
            guard expDigits > 0 else { return nil }
            exponent += expNegative ? -x : x
        }
        guard i == e else {
            return sawDigit ? nil : special(b, start, end)
        }
        guard sawDigit else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0 }
        if mantissa < (1 << 53), abs(exponent) <= 22 {
            let m = Double(mantissa)
            let v = exponent >= 0 ? m * powers[exponent] : m / powers[-exponent]
            return negative ? -v : v
        }
        return slow(b, start, end)
    }

    private static func special(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
            .trimmingCharacters(in: " \t").lowercased()
        switch text {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: return nil
        }
    }

    private static func slow(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var chars = Array(UnsafeBufferPointer(rebasing: b[start..<end])).map { CChar(bitPattern: $0) }
        chars.append(0)
        return chars.withUnsafeBufferPointer { p -> Double? in
            var endPointer: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(p.baseAddress!, &endPointer)
            guard let endPointer else { return nil }
            var rest = endPointer
            while rest.pointee == 32 || rest.pointee == 9 { rest += 1 }
            return rest.pointee == 0 && endPointer != UnsafeMutablePointer(mutating: p.baseAddress!) ? v : nil
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed())
    }
}
