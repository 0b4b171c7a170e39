#if canImport(Glibc)
import Glibc
#endif

/// Decimal number parsing from bytes: Clinger's exact fast path for the common case
/// (≤ 19 significant digits, power of ten ≤ 22), `strtod` otherwise, so every result is the
/// correctly rounded double.
enum NumberParser {
    /// 10^e for 0 ≤ e ≤ 22, all exact doubles (a switch compiles to a constant table).
    @inline(__always)
    static func power(_ e: Int) -> Double {
        switch e {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    @inline(__always)
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        guard let base = buffer.baseAddress else { return nil }
        var i = start
        var e = end
        while i < e, base[i] == 32 || base[i] == 9 { i += 1 }
        while e > i, base[e - 1] == 32 || base[e - 1] == 9 { e -= 1 }
        guard i < e else { return nil }
        var negative = false
        if base[i] == 45 || base[i] == 43 {
            negative = base[i] == 45
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var sawDigit = false
        // Integer part.
        while i < e {
            let d = base[i] &- 48
            guard d < 10 else { break }
            sawDigit = true
            if mantissa != 0 || d != 0 {
                guard digits < 19 else { return slow(buffer, start, end) }
                mantissa = mantissa &* 10 &+ UInt64(d)
                digits += 1
            }
            i += 1
        }
        // Fraction.
        if i < e, base[i] == 46 {
            i += 1
            while i < e {
                let d = base[i] &- 48
                guard d < 10 else { break }
                sawDigit = true
                if mantissa != 0 || d != 0 {
                    guard digits < 19 else { return slow(buffer, start, end) }
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                }
                exponent -= 1
                i += 1
            }
        }
        if i < e, base[i] == 101 || base[i] == 69 {  // e / E
            i += 1
            var expNegative = false
            if i < e, base[i] == 45 || base[i] == 43 {
                expNegative = base[i] == 45
                i += 1
            }
            var x = 0
            var expDigits = 0
            while i < e, base[i] >= 48, base[i] <= 57 {
                x = min(x * 10 + Int(base[i] - 48), 100_000)
                i += 1
                expDigits += 1
            }
            guard expDigits > 0 else { return nil }
            exponent += expNegative ? -x : x
        }
        guard i == e else { return sawDigit ? nil : special(buffer, start, end) }
        guard sawDigit else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0 }
        if mantissa < (1 << 53), exponent >= -22, exponent <= 22 {
            let m = Double(mantissa)
            let v = exponent >= 0 ? m * power(exponent) : m / power(-exponent)
            return negative ? -v : v
        }
        return slow(buffer, start, end)
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
