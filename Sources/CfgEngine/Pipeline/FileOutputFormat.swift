import CfgConfig
import CfgRender
import CfgTemplate

/// `file` outputs: any file, the text of its one template as it is.
struct FileOutputFormat: OutputFormat {
    func jobs(for output: OutputConfig, in environment: EnvironmentFile) throws(EngineError) -> [OutputJob] {
        guard let template = output.template else {
            throw EngineError(.configuration, "\(output.position): a file output needs a template")
        }
        let service = output.service.flatMap(environment.service(named:))
        return [OutputJob(output: output, path: output.path, service: service, templates: [template])]
    }

    func render(
        _ job: OutputJob,
        texts: [RenderedText],
        settings: [Result<[Setting], RenderErrors>],
        environment: EnvironmentFile,
        references: [SecretOrigin: String]
    ) -> RenderedOutput {
        let text = RenderedText(segments: texts.flatMap(\.segments))
        return RenderedOutput(kind: .file, path: job.path, contents: text.text, secretKeys: Self.secretLines(text))
    }

    /// Numbered lines (`line 1`, …).
    func diffEntries(in contents: String) -> [(String, String)] {
        contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map {
            ("line \($0.offset + 1)", String($0.element))
        }
    }

    /// `line N` for every line of a file output that holds a secret byte.
    static func secretLines(_ text: RenderedText) -> Set<String> {
        var keys: Set<String> = []
        var line = 1
        for segment in text.segments {
            let breaks = segment.text.filter { $0 == "\n" }.count
            if segment.isSecret {
                for offset in 0...breaks { keys.insert("line \(line + offset)") }
            }
            line += breaks
        }
        return keys
    }
}
