DROP TABLE obligation_waivers;
