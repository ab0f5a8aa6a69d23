//! Arbitrary-precision integers for the (rare) results that do not fit in
//! an `i64`, so integer arithmetic never overflows, as in Python.

use std::cmp::Ordering;
use std::fmt;

/// A Python `int` too large for an `i64`: sign and magnitude in base 2^32,
/// least significant limb first, without leading zero limbs.
#[derive(Clone, PartialEq, Eq, Hash)]
#[doc(alias = "int")]
pub struct BigInt {
    neg: bool,
    mag: Vec<u32>,
}

fn trim(mut v: Vec<u32>) -> Vec<u32> {
    while v.last() == Some(&0) {
        v.pop();
    }
    v
}

fn mag_cmp(a: &[u32], b: &[u32]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| {
        for (x, y) in a.iter().rev().zip(b.iter().rev()) {
            match x.cmp(y) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        Ordering::Equal
    })
}

fn mag_add(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
    let mut carry = 0u64;
    for i in 0..a.len().max(b.len()) {
        let s = *a.get(i).unwrap_or(&0) as u64 + *b.get(i).unwrap_or(&0) as u64 + carry;
        out.push(s as u32);
        carry = s >> 32;
    }
    if carry > 0 {
        out.push(carry as u32);
    }
    out
}

/// `a - b` for `a >= b`.
fn mag_sub(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0i64;
    for (i, &x) in a.iter().enumerate() {
        let mut d = x as i64 - *b.get(i).unwrap_or(&0) as i64 - borrow;
        borrow = if d < 0 {
            d += 1 << 32;
            1
        } else {
            0
        };
        out.push(d as u32);
    }
    trim(out)
}

fn mag_mul(a: &[u32], b: &[u32]) -> Vec<u32> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0u32; a.len() + b.len()];
    for (i, &x) in a.iter().enumerate() {
        let mut carry = 0u64;
        for (j, &y) in b.iter().enumerate() {
            let t = x as u64 * y as u64 + out[i + j] as u64 + carry;
            out[i + j] = t as u32;
            carry = t >> 32;
        }
        let mut k = i + b.len();
        while carry > 0 {
            let t = out[k] as u64 + carry;
            out[k] = t as u32;
            carry = t >> 32;
            k += 1;
        }
    }
    trim(out)
}

/// Divides by a small divisor, returning the quotient and remainder.
fn mag_divmod_small(a: &[u32], d: u32) -> (Vec<u32>, u32) {
    let mut out = vec![0u32; a.len()];
    let mut rem = 0u64;
    for i in (0..a.len()).rev() {
        let cur = (rem << 32) | a[i] as u64;
        out[i] = (cur / d as u64) as u32;
        rem = cur % d as u64;
    }
    (trim(out), rem as u32)
}

fn mag_bits(a: &[u32]) -> usize {
    match a.last() {
        None => 0,
        Some(top) => (a.len() - 1) * 32 + (32 - top.leading_zeros() as usize),
    }
}

fn mag_shl1_or(a: &mut Vec<u32>, bit: u32) {
    let mut carry = bit;
    for limb in a.iter_mut() {
        let next = *limb >> 31;
        *limb = (*limb << 1) | carry;
        carry = next;
    }
    if carry > 0 {
        a.push(carry);
    }
}

/// Truncating division of magnitudes (shift-and-subtract).
fn mag_divmod(a: &[u32], b: &[u32]) -> (Vec<u32>, Vec<u32>) {
    if b.len() == 1 {
        let (q, r) = mag_divmod_small(a, b[0]);
        return (q, trim(vec![r]));
    }
    let mut q = vec![0u32; a.len()];
    let mut r: Vec<u32> = Vec::new();
    for bit in (0..mag_bits(a)).rev() {
        mag_shl1_or(&mut r, (a[bit / 32] >> (bit % 32)) & 1);
        if mag_cmp(&r, b) != Ordering::Less {
            r = mag_sub(&r, b);
            q[bit / 32] |= 1 << (bit % 32);
        }
    }
    (trim(q), trim(r))
}

impl BigInt {
    /// From an `i128`.
    pub fn from_i128(v: i128) -> BigInt {
        let neg = v < 0;
        let mut m = v.unsigned_abs();
        let mut mag = Vec::new();
        while m > 0 {
            mag.push(m as u32);
            m >>= 32;
        }
        BigInt { neg, mag }
    }

    /// The value as an `i64`, when it fits.
    pub fn to_i64(&self) -> Option<i64> {
        if self.mag.len() > 2 {
            return None;
        }
        let m = self
            .mag
            .iter()
            .rev()
            .fold(0u128, |acc, &l| (acc << 32) | l as u128);
        let v = if self.neg { -(m as i128) } else { m as i128 };
        i64::try_from(v).ok()
    }

    /// Parses optional sign and decimal digits (underscores already removed).
    pub(crate) fn parse_decimal(s: &str) -> Option<BigInt> {
        let (neg, digits) = match s.as_bytes().first()? {
            b'-' => (true, &s[1..]),
            b'+' => (false, &s[1..]),
            _ => (false, s),
        };
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut mag: Vec<u32> = Vec::new();
        for chunk in digits.as_bytes().chunks(9) {
            let n: u32 = std::str::from_utf8(chunk).ok()?.parse().ok()?;
            let scale = 10u32.pow(chunk.len() as u32);
            mag = mag_add(&mag_mul(&mag, &[scale]), &[n]);
            mag = trim(mag);
        }
        let mag = trim(mag);
        Some(BigInt {
            neg: neg && !mag.is_empty(),
            mag,
        })
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.mag.is_empty()
    }

    pub(crate) fn is_negative(&self) -> bool {
        self.neg
    }

    fn with(neg: bool, mag: Vec<u32>) -> BigInt {
        let mag = trim(mag);
        BigInt {
            neg: neg && !mag.is_empty(),
            mag,
        }
    }

    /// `-self`.
    pub(crate) fn neg(&self) -> BigInt {
        BigInt::with(!self.neg, self.mag.clone())
    }

    /// `abs(self)`.
    pub(crate) fn abs(&self) -> BigInt {
        BigInt::with(false, self.mag.clone())
    }

    /// `self + other`.
    pub(crate) fn add(&self, other: &BigInt) -> BigInt {
        if self.neg == other.neg {
            return BigInt::with(self.neg, mag_add(&self.mag, &other.mag));
        }
        match mag_cmp(&self.mag, &other.mag) {
            Ordering::Less => BigInt::with(other.neg, mag_sub(&other.mag, &self.mag)),
            _ => BigInt::with(self.neg, mag_sub(&self.mag, &other.mag)),
        }
    }

    /// `self - other`.
    pub(crate) fn sub(&self, other: &BigInt) -> BigInt {
        self.add(&other.neg())
    }

    /// `self * other`.
    pub(crate) fn mul(&self, other: &BigInt) -> BigInt {
        BigInt::with(self.neg != other.neg, mag_mul(&self.mag, &other.mag))
    }

    /// Python's floor division and modulo; `None` when `other` is zero.
    pub(crate) fn divmod(&self, other: &BigInt) -> Option<(BigInt, BigInt)> {
        if other.is_zero() {
            return None;
        }
        let (q, r) = mag_divmod(&self.mag, &other.mag);
        let mut q = BigInt::with(self.neg != other.neg, q);
        let mut r = BigInt::with(self.neg, r);
        if !r.is_zero() && r.neg != other.neg {
            q = q.sub(&BigInt::from_i128(1));
            r = r.add(other);
        }
        Some((q, r))
    }

    /// `self ** exp`.
    pub(crate) fn pow(&self, mut exp: u64) -> BigInt {
        let mut result = BigInt::from_i128(1);
        let mut base = self.clone();
        while exp > 0 {
            if exp & 1 == 1 {
                result = result.mul(&base);
            }
            exp >>= 1;
            if exp > 0 {
                base = base.mul(&base);
            }
        }
        result
    }

    /// The number of bits of the magnitude.
    pub(crate) fn bits(&self) -> usize {
        mag_bits(&self.mag)
    }

    /// Nearest float (correctly rounded through the decimal form).
    pub(crate) fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(if self.neg {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        })
    }
}

impl Ord for BigInt {
    fn cmp(&self, other: &BigInt) -> Ordering {
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => mag_cmp(&self.mag, &other.mag),
            (true, true) => mag_cmp(&other.mag, &self.mag),
        }
    }
}

impl PartialOrd for BigInt {
    fn partial_cmp(&self, other: &BigInt) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mag.is_empty() {
            return f.write_str("0");
        }
        let mut chunks = Vec::new();
        let mut cur = self.mag.clone();
        while !cur.is_empty() {
            let (q, r) = mag_divmod_small(&cur, 1_000_000_000);
            chunks.push(r);
            cur = q;
        }
        if self.neg {
            f.write_str("-")?;
        }
        let mut iter = chunks.iter().rev();
        if let Some(first) = iter.next() {
            write!(f, "{first}")?;
        }
        for c in iter {
            write!(f, "{c:09}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for BigInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_matches_i128() {
        let vals: [i128; 7] = [
            0,
            1,
            -1,
            12345678901234567890,
            -98765432109876543210,
            i64::MAX as i128 + 1,
            1 << 100,
        ];
        for &a in &vals {
            for &b in &vals {
                let (x, y) = (BigInt::from_i128(a), BigInt::from_i128(b));
                assert_eq!(x.add(&y).to_string(), (a + b).to_string());
                assert_eq!(x.sub(&y).to_string(), (a - b).to_string());
                if let Some(p) = a.checked_mul(b) {
                    assert_eq!(x.mul(&y).to_string(), p.to_string());
                }
                if b != 0 {
                    let (q, r) = x.divmod(&y).unwrap();
                    let (q0, r0) = (a / b, a % b);
                    let (q_exp, r_exp) = if r0 != 0 && ((r0 < 0) != (b < 0)) {
                        (q0 - 1, r0 + b)
                    } else {
                        (q0, r0)
                    };
                    assert_eq!(q.to_string(), q_exp.to_string());
                    assert_eq!(r.to_string(), r_exp.to_string());
                }
                assert_eq!(x.cmp(&y), a.cmp(&b));
            }
        }
        assert_eq!(
            BigInt::from_i128(2).pow(100).to_string(),
            "1267650600228229401496703205376"
        );
        assert_eq!(
            BigInt::parse_decimal("-1267650600228229401496703205376").unwrap(),
            BigInt::from_i128(2).pow(100).neg()
        );
    }
}
