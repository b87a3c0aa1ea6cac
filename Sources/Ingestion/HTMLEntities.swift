import Foundation

/// Character references: the common named ones (HTML's full table has 2,231; these cover what
/// real pages use) and numeric `&#N;` / `&#xH;`.
enum HTMLEntities {
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "ensp": " ", "emsp": " ",
        "thinsp": " ", "shy": "", "zwj": "\u{200D}", "zwnj": "\u{200C}", "lrm": "", "rlm": "",
        "copy": "©", "reg": "®", "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–", "minus": "−",
        "lsquo": "‘", "rsquo": "’", "sbquo": "‚", "ldquo": "“", "rdquo": "”", "bdquo": "„", "laquo": "«",
        "raquo": "»", "lsaquo": "‹", "rsaquo": "›", "bull": "•", "middot": "·", "dagger": "†", "Dagger": "‡",
        "prime": "′", "Prime": "″", "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "curren": "¤",
        "sect": "§", "para": "¶", "deg": "°", "plusmn": "±", "times": "×", "divide": "÷", "micro": "µ",
        "frac12": "½", "frac14": "¼", "frac34": "¾", "sup1": "¹", "sup2": "²", "sup3": "³", "iexcl": "¡",
        "iquest": "¿", "ordf": "ª", "ordm": "º", "not": "¬", "macr": "¯", "acute": "´", "cedil": "¸",
        "uml": "¨", "brvbar": "¦", "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓", "harr": "↔",
        "rArr": "⇒", "lArr": "⇐", "hArr": "⇔", "le": "≤", "ge": "≥", "ne": "≠", "asymp": "≈", "equiv": "≡",
        "infin": "∞", "sum": "∑", "prod": "∏", "radic": "√", "part": "∂", "int": "∫", "isin": "∈",
        "forall": "∀", "exist": "∃", "empty": "∅", "nabla": "∇", "and": "∧", "or": "∨", "cap": "∩",
        "cup": "∪", "sub": "⊂", "sup": "⊃", "loz": "◊", "spades": "♠", "clubs": "♣", "hearts": "♥",
        "diams": "♦", "check": "✓", "star": "☆",
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ", "eta": "η",
        "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
        "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
        "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ",
        "Psi": "Ψ", "Omega": "Ω",
        "szlig": "ß", "thorn": "þ", "THORN": "Þ", "eth": "ð", "ETH": "Ð", "aelig": "æ", "AElig": "Æ",
        "oslash": "ø", "Oslash": "Ø", "aring": "å", "Aring": "Å", "ccedil": "ç", "Ccedil": "Ç",
        "ntilde": "ñ", "Ntilde": "Ñ", "oelig": "œ", "OElig": "Œ", "scaron": "š", "Scaron": "Š",
        "yuml": "ÿ", "Yuml": "Ÿ",
    ]

    /// Accented vowels by pattern (`eacute` → é), so the table stays short.
    private static let accents: [String: Unicode.Scalar] = [
        "grave": "\u{300}", "acute": "\u{301}", "circ": "\u{302}", "tilde": "\u{303}", "uml": "\u{308}",
    ]

    /// The text for entity `name` (without `&` and `;`), or nil when unknown.
    static func resolve(_ name: String) -> String? {
        if let direct = named[name] { return direct }
        if name.hasPrefix("#") {
            let digits = name.dropFirst()
            let value: UInt32?
            if digits.first == "x" || digits.first == "X" {
                value = UInt32(digits.dropFirst(), radix: 16)
            } else {
                value = UInt32(digits, radix: 10)
            }
            guard let value else { return nil }
            // NUL, surrogates and out-of-range values become U+FFFD, as in browsers.
            guard value != 0, let scalar = Unicode.Scalar(value) else { return "\u{FFFD}" }
            if value == 0xA0 { return " " }
            return String(scalar)
        }
        if name.count >= 5, let letter = name.first, "aeiouyAEIOUY".contains(letter),
            let mark = accents[String(name.dropFirst())]
        {
            return (String(letter) + String(mark)).precomposedStringWithCanonicalMapping
        }
        return nil
    }
}
