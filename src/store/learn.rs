// Assignments, the students who joined them and their answers. A student is known only by the
// display name they typed and a keyed hash of the random token on their phone. Erasing a closed
// assignment's data deletes its students and answers and keeps the count of students reached.

use super::{Result, Store, StoreError};
use crate::learn::{Assignment, NewAssignment};

type AssignmentRow = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    bool,
    i64,
    i64,
    i64,
    Option<i64>,
);

const SELECT_ASSIGNMENT: &str = "SELECT id, code, programme, teacher_id, class_name, school, opens, closes, \
     show_answers, stops, reached, created_at, erased_at FROM assignments";

fn assignment(r: AssignmentRow) -> Assignment {
    Assignment {
        id: r.0,
        code: r.1,
        programme: r.2,
        teacher_id: r.3,
        class_name: r.4,
        school: r.5,
        opens: r.6,
        closes: r.7,
        show_answers: r.8,
        questions: r.9,
        reached: r.10,
        created_at: r.11,
        erased_at: r.12,
    }
}

/// A student of an assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub id: i64,
    pub assignment_id: i64,
    pub display_name: String,
    pub lang: String,
    pub joined_at: i64,
    pub submitted_at: Option<i64>,
}

type StudentRow = (i64, i64, String, String, i64, Option<i64>);

fn student(r: StudentRow) -> Student {
    Student {
        id: r.0,
        assignment_id: r.1,
        display_name: r.2,
        lang: r.3,
        joined_at: r.4,
        submitted_at: r.5,
    }
}

const SELECT_STUDENT: &str =
    "SELECT id, assignment_id, display_name, lang, joined_at, submitted_at FROM students";

/// One stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub student_id: i64,
    /// 1-based stop number.
    pub stop: i64,
    pub answer: String,
    pub correct: Option<bool>,
    pub answered_at: i64,
}

impl From<(i64, i64, String, Option<bool>, i64)> for Answer {
    fn from(r: (i64, i64, String, Option<bool>, i64)) -> Answer {
        Answer {
            student_id: r.0,
            stop: r.1,
            answer: r.2,
            correct: r.3,
            answered_at: r.4,
        }
    }
}

/// An assignment with its students' progress, for the teacher's list.
#[derive(Debug, Clone)]
pub struct AssignmentSummary {
    pub assignment: Assignment,
    pub teacher: String,
    pub joined: i64,
    pub submitted: i64,
}

/// The programme figures of a period, per programme and school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeTotal {
    pub programme: String,
    pub school: String,
    pub assignments: i64,
    pub reached: i64,
}

impl Store {
    /// Store a new assignment under a fresh class code; returns it as stored.
    pub async fn add_assignment(&self, a: &NewAssignment, now: i64) -> Result<Assignment> {
        const SQL: &str = "INSERT INTO assignments (code, programme, teacher_id, class_name, school, opens, closes, \
             show_answers, stops, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
        // A clash of codes among 47 million is rare; a few tries make it vanishingly so.
        for _ in 0..8 {
            let code = crate::learn::new_code();
            let r: std::result::Result<i64, sqlx::Error> = on_pool!(self, p => sqlx::query_scalar(SQL)
                .bind(&code)
                .bind(&a.programme)
                .bind(a.teacher_id)
                .bind(&a.class_name)
                .bind(&a.school)
                .bind(a.opens.to_string())
                .bind(a.closes.to_string())
                .bind(a.show_answers)
                .bind(a.questions)
                .bind(now)
                .fetch_one(p)
                .await);
            match r {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => continue,
                r => {
                    let id = r?;
                    return self
                        .assignment(id)
                        .await?
                        .ok_or_else(|| StoreError::Schema("a new assignment vanished".into()));
                }
            }
        }
        Err(StoreError::Conflict(
            "no free class code was found; try again".into(),
        ))
    }

    pub async fn assignment(&self, id: i64) -> Result<Option<Assignment>> {
        let sql = format!("{SELECT_ASSIGNMENT} WHERE id = $1");
        let r: Option<AssignmentRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        Ok(r.map(assignment))
    }

    pub async fn assignment_by_code(&self, code: &str) -> Result<Option<Assignment>> {
        let sql = format!("{SELECT_ASSIGNMENT} WHERE code = $1");
        let r: Option<AssignmentRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(code).fetch_optional(p).await?);
        Ok(r.map(assignment))
    }

    /// The assignments of one teacher, or of everyone, newest first, with their progress.
    pub async fn assignments(&self, teacher: Option<i64>) -> Result<Vec<AssignmentSummary>> {
        let sql = "SELECT a.id, a.code, a.programme, a.teacher_id, a.class_name, a.school, a.opens, a.closes, \
             a.show_answers, a.stops, a.reached, a.created_at, a.erased_at, \
             COALESCE(NULLIF(u.display_name, ''), u.username), \
             (SELECT COUNT(*) FROM students s WHERE s.assignment_id = a.id), \
             (SELECT COUNT(*) FROM students s WHERE s.assignment_id = a.id AND s.submitted_at IS NOT NULL) \
             FROM assignments a JOIN users u ON u.id = a.teacher_id \
             WHERE $1 < 0 OR a.teacher_id = $1 ORDER BY a.created_at DESC, a.id DESC";
        type Row = (
            i64,
            String,
            String,
            i64,
            String,
            String,
            String,
            String,
            bool,
            i64,
            i64,
            i64,
            Option<i64>,
            String,
            i64,
            i64,
        );
        let rows: Vec<Row> =
            on_pool!(self, p => sqlx::query_as(sql).bind(teacher.unwrap_or(-1)).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| AssignmentSummary {
                assignment: assignment((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12)),
                teacher: r.13,
                joined: r.14,
                submitted: r.15,
            })
            .collect())
    }

    /// A student joins: the student row and the assignment's count, together. `Conflict` when
    /// the name is taken in this class.
    pub async fn join(
        &self,
        assignment_id: i64,
        name: &str,
        token_hash: &str,
        lang: &str,
        now: i64,
    ) -> Result<i64> {
        const ADD: &str = "INSERT INTO students (assignment_id, display_name, token_hash, lang, joined_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id";
        const COUNT: &str = "UPDATE assignments SET reached = reached + 1 WHERE id = $1";
        let r: std::result::Result<i64, sqlx::Error> = on_pool!(self, p => async {
            let mut tx = p.begin().await?;
            let id: i64 = sqlx::query_scalar(ADD)
                .bind(assignment_id)
                .bind(name)
                .bind(token_hash)
                .bind(lang)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(COUNT).bind(assignment_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        }
        .await);
        match r {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(format!(
                "the name {name} is taken in this class"
            ))),
            r => Ok(r?),
        }
    }

    /// The student holding this token, with their assignment.
    pub async fn student(&self, token_hash: &str) -> Result<Option<(Student, Assignment)>> {
        let sql = format!("{SELECT_STUDENT} WHERE token_hash = $1");
        let r: Option<StudentRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(token_hash).fetch_optional(p).await?);
        let Some(s) = r.map(student) else {
            return Ok(None);
        };
        Ok(self.assignment(s.assignment_id).await?.map(|a| (s, a)))
    }

    /// Keep a student's answer to a stop (the latest one counts).
    pub async fn save_answer(
        &self,
        student_id: i64,
        stop: i64,
        answer: &str,
        correct: Option<bool>,
        now: i64,
    ) -> Result<()> {
        const SQL: &str = "INSERT INTO answers (student_id, stop, answer, correct, answered_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (student_id, stop) \
             DO UPDATE SET answer = excluded.answer, correct = excluded.correct, answered_at = excluded.answered_at";
        on_pool!(self, p => sqlx::query(SQL)
            .bind(student_id)
            .bind(stop)
            .bind(answer)
            .bind(correct)
            .bind(now)
            .execute(p)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// Move an assignment's closing day (extend it, or close it early); false when it is erased
    /// or gone.
    pub async fn set_assignment_closes(&self, id: i64, closes: &str) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE assignments SET closes = $2 WHERE id = $1 AND erased_at IS NULL")
            .bind(id).bind(closes).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Erase one student of an assignment (their name and answers; the class's count stays).
    /// False when there is no such student in it.
    pub async fn erase_student(&self, assignment_id: i64, student_id: i64) -> Result<bool> {
        let found = on_pool!(self, p => {
                let mut tx = p.begin().await?;
                sqlx::query("DELETE FROM answers WHERE student_id = $1")
                    .bind(student_id)
                    .execute(&mut *tx)
                    .await?;
                let n = sqlx::query("DELETE FROM students WHERE id = $1 AND assignment_id = $2")
                    .bind(student_id)
                    .bind(assignment_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 1 {
                    tx.commit().await?;
                } else {
                    tx.rollback().await?;
                }
                n == 1
        });
        Ok(found)
    }

    /// One student's answers, by stop.
    pub async fn answers_of(&self, student_id: i64) -> Result<Vec<Answer>> {
        const SQL: &str = "SELECT student_id, stop, answer, correct, answered_at FROM answers \
             WHERE student_id = $1 ORDER BY stop";
        let rows: Vec<(i64, i64, String, Option<bool>, i64)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(student_id).fetch_all(p).await?);
        Ok(rows.into_iter().map(Answer::from).collect())
    }

    /// Hand in: no more answers are taken from this student.
    pub async fn submit(&self, student_id: i64, now: i64) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "UPDATE students SET submitted_at = $2 WHERE id = $1 AND submitted_at IS NULL")
            .bind(student_id).bind(now).execute(p).await.map(|_| ())?);
        Ok(())
    }

    /// The students of an assignment (by name) and all their answers.
    pub async fn results(&self, assignment_id: i64) -> Result<(Vec<Student>, Vec<Answer>)> {
        let sql = format!("{SELECT_STUDENT} WHERE assignment_id = $1 ORDER BY joined_at, id");
        let students: Vec<StudentRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(assignment_id).fetch_all(p).await?);
        let mut students: Vec<Student> = students.into_iter().map(student).collect();
        crate::text::sort_vietnamese(&mut students, |s| s.display_name.as_str());
        const ANSWERS: &str = "SELECT a.student_id, a.stop, a.answer, a.correct, a.answered_at FROM answers a \
             JOIN students s ON s.id = a.student_id WHERE s.assignment_id = $1 ORDER BY a.student_id, a.stop";
        let rows: Vec<(i64, i64, String, Option<bool>, i64)> =
            on_pool!(self, p => sqlx::query_as(ANSWERS).bind(assignment_id).fetch_all(p).await?);
        let answers = rows.into_iter().map(Answer::from).collect();
        Ok((students, answers))
    }

    /// Erase the students and answers of assignments closed before `day` (ISO), or of one
    /// assignment now (`only`); the count of students reached stays. Returns how many
    /// assignments were erased.
    pub async fn erase_assignments(&self, closed_before: &str, only: Option<i64>, now: i64) -> Result<u64> {
        const WHICH: &str = "SELECT id FROM assignments WHERE erased_at IS NULL AND \
             (($2 < 0 AND closes < $1) OR id = $2)";
        const STUDENTS: &str = "DELETE FROM students WHERE assignment_id = $1";
        const MARK: &str = "UPDATE assignments SET erased_at = $2 WHERE id = $1";
        let only = only.unwrap_or(-1);
        let erased = on_pool!(self, p => {
                let mut tx = p.begin().await?;
                let ids: Vec<i64> = sqlx::query_scalar(WHICH)
                    .bind(closed_before)
                    .bind(only)
                    .fetch_all(&mut *tx)
                    .await?;
                for id in &ids {
                    // Answers go with their students (ON DELETE CASCADE).
                    sqlx::query("DELETE FROM answers WHERE student_id IN (SELECT id FROM students WHERE assignment_id = $1)")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(STUDENTS).bind(id).execute(&mut *tx).await?;
                    sqlx::query(MARK).bind(id).bind(now).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                ids.len() as u64
        });
        Ok(erased)
    }

    /// Assignments opening in `from..=to` (ISO days), per programme and school, with the
    /// students they reached.
    pub async fn programme_totals(&self, from: &str, to: &str) -> Result<Vec<ProgrammeTotal>> {
        const SQL: &str = "SELECT programme, school, COUNT(*), CAST(COALESCE(SUM(reached), 0) AS BIGINT) \
             FROM assignments WHERE opens >= $1 AND opens <= $2 GROUP BY programme, school ORDER BY programme, school";
        let rows: Vec<(String, String, i64, i64)> =
            on_pool!(self, p => sqlx::query_as(SQL).bind(from).bind(to).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| ProgrammeTotal {
                programme: r.0,
                school: r.1,
                assignments: r.2,
                reached: r.3,
            })
            .collect())
    }
}
