//! What every application kind's state machine shares: states and actions are fixed lists
//! ([`Choice`], stored by their code), and an action moves a state along the edges its
//! [`Lifecycle::apply`] allows — the only place those edges are written. Pages offer exactly
//! [`Lifecycle::allowed_actions`]; the app refuses everything else.

use std::fmt;

use super::Choice;

/// A stored code that names no value of the list it should be from (a corrupt row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode {
    pub list: &'static str,
    pub code: String,
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a known {}", self.code, self.list)
    }
}

impl std::error::Error for UnknownCode {}

/// Something that may be done to an application, and by whom.
pub trait Action: Choice {
    /// An operator may take this action.
    fn by_operator(self) -> bool;
    /// The facility may take this action on its own application.
    fn by_facility(self) -> bool;
}

/// An application kind's states and the actions between them.
pub trait Lifecycle: Choice {
    type Action: Action;

    /// The state after `action`, or None when the action is not allowed from this state.
    fn apply(self, action: Self::Action) -> Option<Self>;

    fn allows(self, action: Self::Action) -> bool {
        self.apply(action).is_some()
    }

    /// Every action allowed from this state, in the list's order.
    fn allowed_actions(self) -> Vec<Self::Action> {
        Self::Action::ALL
            .iter()
            .copied()
            .filter(|a| self.allows(*a))
            .collect()
    }

    /// The actions the facility (`operator` false) or an operator may take from here.
    fn actions_for(self, operator: bool) -> Vec<Self::Action> {
        self.allowed_actions()
            .into_iter()
            .filter(|a| {
                if operator {
                    a.by_operator()
                } else {
                    a.by_facility()
                }
            })
            .collect()
    }

    /// No action leads anywhere from here.
    fn is_final(self) -> bool {
        self.allowed_actions().is_empty()
    }
}

/// Declares a fixed list as an enum with its [`Choice`] codes and labels, and reading it
/// back from its stored code (`TryFrom<String>`, an [`UnknownCode`] otherwise).
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($list:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => ($code:literal, $ja:literal, $en:literal), )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $crate::portal::Choice for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code,)+ }
            }
            fn label_ja(self) -> &'static str {
                match self { $(Self::$variant => $ja,)+ }
            }
            fn label_en(self) -> &'static str {
                match self { $(Self::$variant => $en,)+ }
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::portal::UnknownCode;
            fn try_from(code: String) -> Result<Self, Self::Error> {
                <Self as $crate::portal::Choice>::parse(&code)
                    .ok_or($crate::portal::UnknownCode { list: $list, code })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::portal::Choice::code(*self))
            }
        }
    };
}

pub(crate) use choice_enum;
