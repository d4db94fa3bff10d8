"""The study guide's four checkpoint questions, with their explained answers.

Lessons show them with :class:`~mlcicd.course.quiz.Quiz`; the tests check that
every one appears in a lesson. Their choices are stored with the right answer at
varied positions and not as the longest, like every lesson question (the quiz
shuffles them anyway when it shows them).
"""

from __future__ import annotations

from mlcicd.course.quiz import Choice, Question

BUILDSPEC_SERVICE = Question(
    "Which AWS service runs the commands in a buildspec.yml?",
    Choice(
        "AWS CodePipeline",
        why="CodePipeline orchestrates stages and hands artifacts between them; it asks "
        "CodeBuild to run the buildspec but runs no commands itself.",
    ),
    Choice(
        "AWS CloudFormation",
        why="CloudFormation creates and updates infrastructure from templates; it does "
        "not run build commands.",
    ),
    Choice(
        "AWS CodeBuild",
        correct=True,
        why="Right: CodeBuild starts a build container, reads buildspec.yml and runs its "
        "install, pre_build, build and post_build commands.",
    ),
    Choice(
        "AWS CodeDeploy",
        why="CodeDeploy rolls a built artifact out to servers, Lambda or ECS (it reads "
        "appspec.yml, not buildspec.yml).",
    ),
    kind="recall",
)

BLUE_GREEN_E2E = Question(
    "In a blue/green deployment pipeline, where do the end-to-end tests run?",
    Choice(
        "Against the blue (live) environment, after the switch",
        why="Blue is what users are on. Testing it after the switch finds failures only once "
        "users already meet them, which is what blue/green is there to avoid.",
    ),
    Choice(
        "Against the green (new) environment, before traffic is shifted to it",
        correct=True,
        why="Right: green is fully deployed but takes no user traffic yet, so the E2E tests "
        "exercise the real new stack; if they fail, traffic never leaves blue.",
    ),
    Choice(
        "Inside the CodeBuild build phase, before anything at all has been deployed",
        why="Unit and integration tests run there. An end-to-end test needs the deployed "
        "system (endpoint, permissions, networking), which does not exist yet.",
    ),
    Choice(
        "On the developer's laptop before the commit",
        why="Local runs help, but the gate must run in the pipeline, on the environment that "
        "is about to take traffic.",
    ),
    kind="recall",
)

PYRAMID_BASE = Question(
    "Why are unit tests the base (the widest layer) of the testing pyramid?",
    Choice(
        "They test the whole system the way users see it, so each one covers the most",
        why="That describes end-to-end tests, the narrow top of the pyramid: realistic, but "
        "slow, costly and hard to debug.",
    ),
    Choice(
        "AWS CodeBuild only runs unit tests",
        why="CodeBuild runs whatever commands the buildspec lists, integration and E2E "
        "suites included.",
    ),
    Choice(
        "They are fast and cheap and point at the exact function that broke",
        correct=True,
        why="Right: milliseconds each, no network, and a failure names one function, so you "
        "can afford many of them and run them on every change. Integration and E2E tests "
        "cost more per test, so there are fewer of them.",
    ),
    Choice(
        "They catch every bug that integration tests catch, only earlier",
        why="They cannot: mocks and small inputs miss problems between components "
        "(permissions, formats, timing). That is why the upper layers exist.",
    ),
    kind="recall",
)

SOURCE_VS_BUILD = Question(
    "Which statements about a pipeline's Source stage and its Build stage are true?",
    Choice(
        "The Source stage runs the unit tests",
        why="Source actions only fetch code; no commands run in them. Tests run in a "
        "CodeBuild action in the Build (or a Test) stage.",
    ),
    Choice(
        "The Build stage runs CodeBuild on the source artifact to install, test and package",
        correct=True,
        why="Right: the build action's input artifact is the source output; the buildspec's "
        "commands run there, and failing tests fail the stage.",
    ),
    Choice(
        "A pipeline can start with a Build stage if the buildspec clones the repository",
        why="No: CodePipeline requires the first stage to hold source actions only (at "
        "least one); `mlcicd pipeline validate` reports a pipeline that does not.",
    ),
    Choice(
        "The Source stage detects a change (e.g. a push) and packages the code as an "
        "output artifact",
        correct=True,
        why="Right: a source action (a GitHub connection, CodeCommit, S3) starts the "
        "execution and hands the code on as an artifact.",
    ),
    multiple=True,
    kind="recall",
)

#: The four, in the study guide's order.
STUDY_GUIDE: tuple[Question, ...] = (
    BUILDSPEC_SERVICE,
    BLUE_GREEN_E2E,
    PYRAMID_BASE,
    SOURCE_VS_BUILD,
)
