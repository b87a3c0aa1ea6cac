import Foundation
import Ingestion
import Testing

@Suite("Extraction of the fixture files")
struct ExtractionTests {
    @Test("A three-page PDF keeps its pages: each marker phrase is on the page the script put it")
    func pdfPages() throws {
        try Fixtures.requirePdftotext()
        let name = "three-pages.pdf"
        let doc = try Fixtures.extract(name)
        let expected = try Fixtures.expectations(name)
        #expect(doc.mediaType == "application/pdf")
        #expect(doc.pages.count == expected["pageCount"] as? Int)
        #expect(doc.pages.map(\.number) == Array(1...doc.pages.count))
        let phrases = try #require(expected["pagePhrases"] as? [String: [String]])
        for (page, list) in phrases {
            for phrase in list {
                let offset = try #require(doc.text.scalarOffset(of: phrase), "\(phrase) missing from the PDF text")
                let span = try #require(doc.pages.first { $0.number == Int(page) })
                #expect(span.start <= offset && offset < span.end, "\(phrase) should be on page \(page)")
                #expect(doc.page(at: offset) == Int(page))
            }
        }
        // Spans are ordered and inside the text.
        let length = doc.text.unicodeScalars.count
        for (a, b) in zip(doc.pages, doc.pages.dropFirst()) { #expect(a.end <= b.start) }
        #expect(doc.pages.last!.end <= length)
    }

    @Test("A PDF of an image only is reported as scanned, with OCR advice")
    func scannedPDF() throws {
        try Fixtures.requirePdftotext()
        #expect(throws: IngestionError.noTextLayer) { try Fixtures.extract("scanned.pdf") }
        #expect(IngestionError.noTextLayer.description.contains("OCR"))
    }

    @Test("A PDF with a user password is reported as encrypted")
    func encryptedPDF() throws {
        try Fixtures.requirePdftotext()
        #expect(throws: IngestionError.encrypted) { try Fixtures.extract("encrypted.pdf") }
    }

    @Test("A garbled PDF is reported as corrupt, without server paths in the message")
    func corruptPDF() throws {
        try Fixtures.requirePdftotext()
        do {
            _ = try Fixtures.extract("corrupt.pdf")
            Issue.record("corrupt.pdf should not extract")
        } catch {
            guard case let .corrupt(reason) = error as? IngestionError else {
                Issue.record("expected .corrupt, got \(error)")
                return
            }
            #expect(!reason.contains("/tmp") && !reason.contains(NSTemporaryDirectory()))
        }
    }

    @Test("A tiny PDF time limit stops the converter and reports the time-out")
    func pdfTimeout() throws {
        try Fixtures.requirePdftotext()
        // Zero seconds of wall clock: the converter cannot finish before the deadline.
        let limits = ExtractionLimits(pdfTimeoutSeconds: 0)
        #expect(throws: IngestionError.extractionTimedOut(seconds: 0)) {
            try Fixtures.extract("three-pages.pdf", limits: limits)
        }
    }

    @Test("A memory cap too small for the converter is reported as a resource limit")
    func pdfMemoryCap() throws {
        try Fixtures.requirePdftotext()
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit"), "prlimit (util-linux) is missing")
        do {
            _ = try Fixtures.extract("three-pages.pdf", limits: ExtractionLimits(pdfMemoryBytes: 8_000_000))
            Issue.record("an 8 MB address space should not be enough for pdftotext")
        } catch {
            guard case .resourceLimitExceeded = error as? IngestionError else {
                Issue.record("expected .resourceLimitExceeded, got \(error)")
                return
            }
        }
    }

    @Test("UTF-8 HTML gives the main text: entities decoded, scripts, styles and navigation gone")
    func htmlUTF8() throws { try checkHTML("page-utf8.html") }

    @Test("GB18030 HTML with a meta charset decodes to the right Chinese text")
    func htmlGB18030() throws { try checkHTML("page-gb18030.html") }

    private func checkHTML(_ name: String) throws {
        let doc = try Fixtures.extract(name)
        let expected = try Fixtures.expectations(name)
        #expect(doc.mediaType == "text/html")
        #expect(doc.title == expected["title"] as? String)
        for phrase in expected["present"] as! [String] { #expect(doc.text.contains(phrase), "missing: \(phrase)") }
        for phrase in expected["absent"] as! [String] { #expect(!doc.text.contains(phrase), "kept: \(phrase)") }
        let sections = (expected["sections"] as! [[Any]]).map { ($0[0] as! String, $0[1] as! Int) }
        #expect(doc.sections.map(\.title) == sections.map(\.0))
        #expect(doc.sections.map(\.level) == sections.map(\.1))
        for section in doc.sections {
            #expect(doc.text.scalarSlice(section.start, section.end).hasPrefix(section.title))
        }
    }

    @Test("HTML declaring UTF-8 but holding GB18030 is refused: far more than 1% of it is not UTF-8")
    func htmlLyingCharset() throws {
        #expect {
            try Fixtures.extract("declared-utf8-holds-gb18030.html")
        } throws: { error in
            guard case IngestionError.badEncoding(declared: "utf-8", let detail) = error else { return false }
            return detail.contains("more than the 1% Folio accepts")
        }
    }

    @Test("HTML without a charset that is not UTF-8 is read as windows-1252, as browsers do, with a warning")
    func htmlUndeclared() throws {
        let doc = try Fixtures.extract("undeclared-gb18030.html")
        #expect(!doc.text.contains("\u{FFFD}"))
        #expect(doc.warnings.count == 1)
        #expect(doc.warnings.first?.contains("read as windows-1252") == true)
    }

    @Test("A UTF-8 page declaring gb2312 is read as UTF-8 with a warning")
    func htmlUTF8DeclaredGB2312() throws {
        let doc = try Fixtures.extract("declared-gb2312-holds-utf8.html")
        #expect(doc.title == "科技新闻：稀疏注意力降低计算成本")
        #expect(doc.text.contains("番茄需要充足的阳光和规律的浇水。"))
        #expect(!doc.text.contains("首页"), "navigation dropped")
        #expect(doc.warnings == ["the file declares charset gb2312, but its bytes are valid UTF-8: read as UTF-8"])
    }

    @Test("A GBK page declared charset=gbk decodes to the same text as its UTF-8 twin, without a warning")
    func htmlGBK() throws {
        let gbk = try Fixtures.extract("page-gbk.html")
        let utf8 = try Fixtures.extract("declared-gb2312-holds-utf8.html")
        #expect(gbk.text == utf8.text && gbk.title == utf8.title)
        #expect(gbk.text.contains("稀疏注意力只让每个词元关注少数位置"))
        #expect(gbk.warnings.isEmpty)
    }

    @Test("A page with three bad bytes keeps its text with three U+FFFD and a warning")
    func htmlFewBadBytes() throws {
        let doc = try Fixtures.extract("few-bad-bytes.html")
        #expect(doc.text.unicodeScalars.filter { $0 == "\u{FFFD}" }.count == 3)
        #expect(doc.text.contains("one \u{FFFD} here") && doc.text.contains("two \u{FFFD} here"))
        #expect(doc.text.contains("three \u{FFFD} here café."))
        #expect(doc.warnings == ["3 byte sequences are not valid utf-8 and were replaced by U+FFFD"])
    }

    @Test("The upload's charset wins over the page's meta; a BOM wins over both")
    func charsetPrecedence() throws {
        // é is E9 in windows-1252 and C3 A9 in UTF-8; the page claims koi8-r.
        let latin = Data("<meta charset=koi8-r><p>caf".utf8) + Data([0xE9]) + Data("</p>".utf8)
        #expect(try Extractor.extract(data: latin, fileName: "a.html", charset: "iso-8859-1").text == "café")
        let bom = Data([0xEF, 0xBB, 0xBF]) + Data("<meta charset=gbk><p>café</p>".utf8)
        let doc = try Extractor.extract(data: bom, fileName: "b.html", charset: "windows-1252")
        #expect(doc.text == "café" && doc.warnings.isEmpty)
    }

    @Test("Past 1% of replacement characters a file is refused with a message saying so")
    func tooManyBadBytes() throws {
        let text = Data("<p>".utf8) + Data(repeating: 0x61, count: 98) + Data([0xFF, 0xFF]) + Data("</p>".utf8)
        #expect {
            try Extractor.extract(data: text, fileName: "bad.html", charset: "utf-8")
        } throws: { error in
            (error as? IngestionError)?.description.contains("more than the 1% Folio accepts") == true
        }
    }

    @Test("Markdown keeps its text as written and its ATX and setext headings, not # in code fences")
    func markdown() throws {
        let name = "guide.md"
        let doc = try Fixtures.extract(name)
        let expected = try Fixtures.expectations(name)
        #expect(doc.mediaType == "text/markdown")
        #expect(doc.text == expected["text"] as? String)
        #expect(doc.title == expected["title"] as? String)
        let sections = (expected["sections"] as! [[Any]]).map { ($0[0] as! String, $0[1] as! Int) }
        #expect(doc.sections.map(\.title) == sections.map(\.0))
        #expect(doc.sections.map(\.level) == sections.map(\.1))
        for (a, b) in zip(doc.sections, doc.sections.dropFirst()) { #expect(a.end == b.start) }
        #expect(doc.sections.last?.end == doc.text.unicodeScalars.count)
    }

    @Test("Python source is code with its top-level definitions as sections")
    func pythonCode() throws {
        let name = "geometry.py"
        let doc = try Fixtures.extract(name)
        let expected = try Fixtures.expectations(name)
        #expect(doc.mediaType == expected["mediaType"] as? String)
        #expect(doc.text == expected["text"] as? String)
        #expect(doc.title == name)
        #expect(doc.sections.map(\.title) == expected["sectionTitles"] as? [String])
    }

    @Test("Plain text gets LF line ends and the file name as title")
    func plainText() throws {
        let name = "notes.txt"
        let doc = try Fixtures.extract(name)
        let expected = try Fixtures.expectations(name)
        #expect(doc.mediaType == expected["mediaType"] as? String)
        #expect(doc.text == expected["text"] as? String)
        #expect(doc.title == name)
    }

    @Test("Archives, empty files and whitespace-only files are rejected with their own errors")
    func rejections() throws {
        #expect(throws: IngestionError.archive(fileName: "archive.zip")) { try Fixtures.extract("archive.zip") }
        #expect(throws: IngestionError.empty(fileName: "empty.txt")) { try Fixtures.extract("empty.txt") }
        #expect(throws: IngestionError.empty(fileName: "whitespace.md")) { try Fixtures.extract("whitespace.md") }
        // The zip renamed to .txt is still an archive: magic bytes win over the name.
        let zip = try Fixtures.data("archive.zip")
        #expect(throws: IngestionError.archive(fileName: "notes.txt")) {
            try Extractor.extract(data: zip, fileName: "notes.txt")
        }
    }

    @Test("Files over the size limit are rejected before anything else")
    func tooLarge() throws {
        let data = try Fixtures.data("guide.md")
        #expect(throws: IngestionError.tooLarge(bytes: data.count, limit: 100)) {
            try Extractor.extract(data: data, fileName: "guide.md", limits: ExtractionLimits(maxBytes: 100))
        }
    }
}
