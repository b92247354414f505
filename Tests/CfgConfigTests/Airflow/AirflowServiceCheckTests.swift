import Testing

@testable import CfgConfig

@Suite struct AirflowServiceCheckTests {
    @Test func aWebserverOnAirflow3PointsToTheAPIServer() throws {
        let byName = try #require(
            AirflowServiceCheck.finding(name: "webserver", command: [], airflowMajor: 3, label: "dev.yaml:70:3")
        )
        #expect(byName.code == .wrongServiceForVersion)
        #expect(byName.severity == .error)
        #expect(byName.suggestion == "api-server")
        #expect(byName.message.contains("api-server"))
        let byCommand = AirflowServiceCheck.finding(
            name: "ui",
            command: ["/home/airflow/.local/bin/airflow", "webserver", "-p", "8080"],
            airflowMajor: 3,
            label: "x"
        )
        #expect(byCommand?.code == .wrongServiceForVersion)
    }

    @Test func theSameServiceIsRightOnAirflow2() {
        #expect(
            AirflowServiceCheck.finding(
                name: "webserver",
                command: ["airflow", "webserver"],
                airflowMajor: 2,
                label: "x"
            )
                == nil
        )
        #expect(
            AirflowServiceCheck.finding(
                name: "api-server",
                command: ["airflow", "api-server"],
                airflowMajor: 3,
                label: "x"
            )
                == nil
        )
        #expect(
            AirflowServiceCheck.finding(
                name: "scheduler",
                command: ["airflow", "scheduler"],
                airflowMajor: 3,
                label: "x"
            ) == nil
        )
    }

    @Test func anAPIServerOnAirflow2PointsToTheWebserver() {
        let finding = AirflowServiceCheck.finding(name: "api-server", command: [], airflowMajor: 2, label: "x")
        #expect(finding?.suggestion == "webserver")
    }
}
