import Foundation
import Ingestion
import Testing

@Suite("File types and names")
struct FileTypeTests {
    @Test("Media types come from magic bytes first, then the extension")
    func mediaTypes() throws {
        let text = Data("print('hi')\n".utf8)
        #expect(Extractor.mediaType(forFileName: "a.py", data: text) == "text/x-python")
        #expect(Extractor.mediaType(forFileName: "a.swift", data: text) == "text/x-swift")
        #expect(Extractor.mediaType(forFileName: "README", data: text) == "text/plain")
        #expect(Extractor.mediaType(forFileName: "notes.weird", data: text) == "text/plain")
        #expect(Extractor.mediaType(forFileName: "page", data: Data("<!DOCTYPE html><p>x".utf8)) == "text/html")
        #expect(Extractor.mediaType(forFileName: "x.md", data: text) == "text/markdown")
        #expect(Extractor.mediaType(forFileName: "doc", data: try Fixtures.data("three-pages.pdf")) == "application/pdf")
        #expect(Extractor.mediaType(forFileName: "a.zip", data: try Fixtures.data("archive.zip")) == nil)
    }

    @Test("Images, executables, unknown binaries and gzip get clear errors")
    func binaries() {
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0])
        let elf = Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0])
        let gzip = Data([0x1F, 0x8B, 8, 0, 0, 0])
        let blob = Data([1, 2, 0, 3, 0xFF, 0])
        for (data, name) in [(png, "scan.png"), (elf, "tool"), (blob, "data.bin")] {
            do {
                _ = try Extractor.extract(data: data, fileName: name)
                Issue.record("\(name) should be rejected")
            } catch {
                guard case .unsupportedType(name, _) = error else {
                    Issue.record("\(name): expected unsupportedType, got \(error)")
                    continue
                }
            }
        }
        #expect(throws: IngestionError.archive(fileName: "x.tar.gz")) {
            try Extractor.extract(data: gzip, fileName: "x.tar.gz")
        }
    }

    @Test("A name with ../ is only a label: the file is read, not looked up")
    func pathTricksInNames() throws {
        let doc = try Extractor.extract(data: Data("# Hi\n\ntext\n".utf8), fileName: "../../etc/passwd.md")
        #expect(doc.title == "Hi")
        #expect(Extractor.sanitizedFileName("../../etc/passwd") == "passwd")
        #expect(Extractor.sanitizedFileName("..\\..\\boot.ini") == "boot.ini")
        #expect(Extractor.sanitizedFileName("..") == "untitled")
        #expect(Extractor.sanitizedFileName("") == "untitled")
        #expect(Extractor.sanitizedFileName("report\u{202E}fdp.exe") == "reportfdp.exe")
        #expect(Extractor.sanitizedFileName("a\u{0}b\nc.txt") == "abc.txt")
        #expect(Extractor.sanitizedFileName("  .hidden. ") == "hidden")
        #expect(Extractor.sanitizedFileName("what?*.md") == "what__.md")
        #expect(Extractor.sanitizedFileName("中文 文件.pdf") == "中文 文件.pdf")
        let long = String(repeating: "é", count: 300) + ".pdf"
        let cut = Extractor.sanitizedFileName(long)
        #expect(cut.utf8.count <= 255 && cut.hasSuffix(".pdf"))
    }

    @Test("Error messages say how to fix the problem")
    func messages() {
        #expect(IngestionError.toolMissing("pdftotext").description.contains("apt-get install poppler-utils"))
        #expect(IngestionError.encrypted.description.contains("password"))
        #expect(IngestionError.badEncoding(declared: "gb18030", detail: "x").description.contains("gb18030"))
        #expect(IngestionError.archive(fileName: "a.zip").description.contains("unpack"))
    }

    @Test("Shift_JIS and windows-1252 pages decode through their declared charset")
    func legacyCharsets() throws {
        // 日本語 in Shift_JIS is 93 FA 96 7B 8C EA; é in windows-1252 is E9.
        let sjis = Data("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=Shift_JIS\"></head><body><p>".utf8)
            + Data([0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA]) + Data("</p></body></html>".utf8)
        #expect(try Extractor.extract(data: sjis, fileName: "jp.html").text == "日本語")
        let latin = Data("<meta charset='iso-8859-1'><h1>Caf".utf8) + Data([0xE9]) + Data("</h1>\r\n<p>a<br>b</p>".utf8)
        let doc = try Extractor.extract(data: latin, fileName: "fr.html")
        #expect(doc.text == "Café\n\na\nb")
        #expect(doc.title == "Café")
    }
}
