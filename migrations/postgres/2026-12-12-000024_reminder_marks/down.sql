DROP TABLE reminder_marks;
