//! The engagement's status lifecycle: the one list of allowed moves.
//!
//! draft → selected → contracted → active → ending → closed, and from any open status to
//! terminated. Later rules (contract clauses, attestations) add gates to these moves; the
//! moves themselves are only listed here.

use crate::domain::Status;

/// Every move the lifecycle allows, and nothing else.
const MOVES: &[(Status, Status)] = &[
    (Status::Draft, Status::Selected),
    (Status::Selected, Status::Contracted),
    (Status::Contracted, Status::Active),
    (Status::Active, Status::Ending),
    (Status::Ending, Status::Closed),
    (Status::Draft, Status::Terminated),
    (Status::Selected, Status::Terminated),
    (Status::Contracted, Status::Terminated),
    (Status::Active, Status::Terminated),
    (Status::Ending, Status::Terminated),
];

/// The statuses reachable from `from` in one move.
pub fn allowed_moves(from: Status) -> Vec<Status> {
    MOVES
        .iter()
        .filter(|(f, _)| *f == from)
        .map(|(_, t)| *t)
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
pub struct MoveRefused {
    pub from: Status,
    pub to: Status,
    pub allowed: Vec<Status>,
}

pub fn check_move(from: Status, to: Status) -> Result<(), MoveRefused> {
    if MOVES.contains(&(from, to)) {
        Ok(())
    } else {
        Err(MoveRefused {
            from,
            to,
            allowed: allowed_moves(from),
        })
    }
}

pub fn is_final(status: Status) -> bool {
    allowed_moves(status).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_path_is_allowed_one_step_at_a_time() {
        let path = [
            Status::Draft,
            Status::Selected,
            Status::Contracted,
            Status::Active,
            Status::Ending,
            Status::Closed,
        ];
        for pair in path.windows(2) {
            assert_eq!(check_move(pair[0], pair[1]), Ok(()));
        }
        let skip = check_move(Status::Draft, Status::Active).unwrap_err();
        assert_eq!(skip.allowed, vec![Status::Selected, Status::Terminated]);
    }

    #[test]
    fn no_move_backwards_or_out_of_a_final_status() {
        assert!(check_move(Status::Active, Status::Draft).is_err());
        assert!(is_final(Status::Closed));
        assert!(is_final(Status::Terminated));
        assert!(check_move(Status::Closed, Status::Terminated).is_err());
        assert!(check_move(Status::Draft, Status::Draft).is_err());
    }

    #[test]
    fn every_open_status_can_be_terminated() {
        for s in Status::ALL.iter().filter(|s| !is_final(**s)) {
            assert_eq!(check_move(*s, Status::Terminated), Ok(()), "{s}");
        }
    }
}
