//! One story's setting: who is in it and the weather, time, place and food, and the templates that say a fact.

use super::*;
/// The setting of one story: who is in it (by first name, so narrative sentences never state a
/// fact in a form the paraphrase templates do not control) and the weather, time, place and food.
pub(super) struct Scene<'w> {
    pub(super) first: &'w str,
    pub(super) pet: &'w str,
    pub(super) friend: &'w str,
    pub(super) weather: &'static str,
    pub(super) time: &'static str,
    pub(super) season: &'static str,
    pub(super) place: &'static str,
    pub(super) food: &'static str,
}

impl<'w> Scene<'w> {
    /// A scene about `person`, with a random setting.
    pub(super) fn new(world: &'w World, person: usize, rng: &mut ChaCha8Rng) -> Scene<'w> {
        let p = &world.people[person];
        let wording = world.wording();
        Scene {
            first: p.first_name(),
            pet: &p.pet_name,
            friend: world.people[p.friend].first_name(),
            weather: pick(rng, &wording.weathers),
            time: pick(rng, &wording.times),
            season: pick(rng, &wording.seasons),
            place: pick(rng, &wording.places),
            food: pick(rng, &wording.foods),
        }
    }

    /// A narrative `template` filled in for this scene.
    pub(super) fn say(&self, template: &str) -> String {
        let mut out = String::new();
        fill(
            template,
            |slot| match slot {
                "first" => self.first,
                "pet" => self.pet,
                "friend" => self.friend,
                "weather" => self.weather,
                "time" => self.time,
                "season" => self.season,
                "place" => self.place,
                "food" => self.food,
                _ => "{unknown slot}",
            },
            &mut out,
        );
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a world back from JSON
// ---------------------------------------------------------------------------------------------
