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

    @Test("HTML declaring UTF-8 but holding GB18030 names the charset and the first bad byte")
    func htmlLyingCharset() throws {
        let name = "declared-utf8-holds-gb18030.html"
        let expected = try Fixtures.expectations(name)
        let offset = expected["badOffset"] as! Int
        #expect(throws: IngestionError.badEncoding(declared: "utf-8", detail: "invalid UTF-8 at byte offset \(offset)")) {
            try Fixtures.extract(name)
        }
    }

    @Test("HTML without a charset that is not UTF-8 asks to be saved as UTF-8")
    func htmlUndeclared() throws {
        let name = "undeclared-gb18030.html"
        let offset = try Fixtures.expectations(name)["badOffset"] as! Int
        let error = IngestionError.badEncoding(declared: nil, detail: "invalid UTF-8 at byte offset \(offset)")
        #expect(throws: error) { try Fixtures.extract(name) }
        #expect(error.description.contains("save it as UTF-8"))
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
