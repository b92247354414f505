import Foundation
import Testing

@testable import CfgRender

/// cfg writes task definitions with its own JSON writer: byte for byte what `JSONEncoder` writes with sorted keys,
/// unescaped slashes and pretty printing, which is what cfg wrote before (a change would show in every user's diff).
struct PrettyJSONTests {
    static let hostile = [
        "", "plain", "a/b", #"quote " backslash \ both \""#, "\u{0}\u{1}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1B}\u{1F}",
        "\u{7F} del", "é ü 漢字 🙂", "\u{2028}\u{2029}", "  spaced : , [ ] { }  ", "%41 $HOME ~user",
    ]

    static func definition(_ text: String, _ variant: Int) -> ECSTaskDefinition {
        var container = ECSTaskDefinition.ContainerDefinition(name: "web" + text, image: "img:" + text)
        if variant != 1 {
            container.environment = [.init(name: "A", value: text), .init(name: "B_" + text, value: "")]
            container.secrets = [.init(name: "S", valueFrom: "arn:aws:secretsmanager:eu-west-1:1:secret:" + text)]
            container.entryPoint = ["cfg", "exec", text]
            container.command = variant == 2 ? [] : [text]
            container.logConfiguration = .init(options: [
                "awslogs-group": text, "awslogs-region": "eu-west-1", "b": "", "B": text,
            ])
            container.portMappings = [.init(containerPort: 8080), .init(containerPort: variant)]
        }
        if variant == 2 { container.environment = [] }
        var definition = ECSTaskDefinition(
            family: "airflow-" + text,
            cpu: "1024",
            memory: "2048",
            containerDefinitions: variant == 3 ? [] : [container, container]
        )
        if variant != 1 {
            definition.executionRoleArn = "arn:aws:iam::1:role/" + text
            definition.taskRoleArn = text
        }
        return definition
    }

    @Test(arguments: hostile, 0..<4)
    func writesWhatJSONEncoderWrites(_ text: String, _ variant: Int) throws {
        let definition = Self.definition(text, variant)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        let expected = String(decoding: try encoder.encode(definition), as: UTF8.self)
        #expect(definition.json.text == expected)
    }
}
