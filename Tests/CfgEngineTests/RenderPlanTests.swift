import CfgConfig
import Testing

@testable import CfgEngine

struct RenderPlanTests {
    static func template(_ path: String, line: Int = 1) -> TemplateFile {
        TemplateFile(path: path, position: ConfigPosition(file: "environments/test.yaml", line: line, column: 1))
    }

    @Test func eachTemplateAndEachEvaluationIsPlannedOnceWithEveryOutputItFeeds() {
        var plan = RenderPlan()
        plan.evaluate(Self.template("b.tmpl"), for: nil, feeding: "airflow.env")
        plan.evaluate(Self.template("a.tmpl"), for: "worker", feeding: "ecs/worker.json")
        plan.evaluate(Self.template("b.tmpl", line: 9), for: nil, feeding: ".env")
        plan.evaluate(Self.template("b.tmpl"), for: "worker", feeding: "ecs/worker.json")
        plan.evaluate(Self.template("b.tmpl"), for: nil)
        plan.fetch(secret: "tls")

        #expect(plan.templates.map(\.path) == ["b.tmpl", "a.tmpl"])
        #expect(plan.templates[0].position.line == 1)
        let shared = RenderPlan.Evaluation(template: "b.tmpl", service: nil)
        #expect(plan.evaluations.count == 3)
        #expect(plan.outputs[shared] == ["airflow.env", ".env"])
        #expect(plan.outputs(using: "b.tmpl") == ["airflow.env", ".env", "ecs/worker.json"])
        #expect(plan.secrets == ["tls"])
        #expect(
            plan.evaluations.sorted() == [
                RenderPlan.Evaluation(template: "a.tmpl", service: "worker"), shared,
                RenderPlan.Evaluation(template: "b.tmpl", service: "worker"),
            ]
        )
    }

    @Test func settingsAndSecretFilesFeedNoOutput() {
        var plan = RenderPlan()
        let evaluation = plan.evaluate(Self.template("settings.tmpl"), for: "scheduler")
        #expect(plan.outputs[evaluation] == [])
        #expect(plan.outputs(using: "settings.tmpl").isEmpty)
    }
}
